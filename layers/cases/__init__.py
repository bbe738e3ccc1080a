"""Cases (案件): categories, the lifecycle, the working-time clock, the grid, scoring."""
