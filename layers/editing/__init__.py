"""Writing features: the map editor, OGC API – Features Part 4 and the upload page."""
