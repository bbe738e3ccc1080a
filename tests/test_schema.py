"""The database schema follows the layer specs through the Alembic migrations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers

from layers.storage.catalogue import LAYERS, get_layer
from layers.storage.models import metadata
from layers.storage.spec import FieldSpec, LayerSpec, LayerStyle


def test_migrations_create_exactly_what_the_specs_describe(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": alembic_helpers.include_object, "compare_type": True})
        assert compare_metadata(context, metadata) == []


@pytest.mark.parametrize("spec", LAYERS, ids=lambda s: s.name)
def test_each_layer_has_a_typed_geometry_column_with_srid_and_spatial_index(engine, spec):
    with engine.connect() as conn:
        geometry_type, srid = conn.execute(sa.text(
            "SELECT upper(postgis_typmod_type(atttypmod)), postgis_typmod_srid(atttypmod)"
            " FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attname = 'geom'"),
            {"t": spec.name}).one()
        index = conn.scalar(sa.text(
            "SELECT indexdef FROM pg_indexes WHERE tablename = :t AND indexdef LIKE '%gist%'"),
            {"t": spec.name})
    assert (geometry_type, srid) == (spec.stored_geometry_type, 4326)
    assert "(geom)" in index


def test_database_refuses_a_code_outside_the_spec(clean_db):
    with pytest.raises(sa.exc.IntegrityError), clean_db.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO parks (fid, name, park_class, geom) VALUES ('X', 'x', 'G99',"
            " ST_Multi(ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326)))"))


def test_choice_fields_accept_code_and_labels():
    park_class = get_layer("parks").field("park_class")
    assert {park_class.coerce(v) for v in ("G12", "社区公园", "Community park")} == {"G12"}


def test_layer_field_names_must_fit_a_dbf():
    with pytest.raises(ValueError, match="over 10 characters"):
        LayerSpec("x", "x", "x", ("point",),
                  (FieldSpec("responsible", "text", "责任人", "Responsible"),),
                  LayerStyle(color="#000"))
