"""Every version of every feature (issue 16): a history table written by triggers.

The layer tables get three statement-level triggers each (after INSERT, UPDATE, DELETE, with
transition tables), which close the feature's current version and write the new one into
``feature_versions``.  Statement-level, so that an import of 100,000 features writes its
versions in one INSERT ... SELECT rather than 100,000 calls.  Who, through which channel
and why come from the transaction's settings ``lianchuang.actor``, ``lianchuang.channel`` and
``lianchuang.note`` (:func:`layers.storage.versions.stamp`); a statement typed in psql is
recorded as the database role, channel ``sql``.  Channel ``restore`` writes nothing: a
restore brings the backup's own versions.

The features already in the database get their first version (the state they are in, from
their ``imported_at``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 23:40:00
"""
from typing import Sequence, Union

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: The layer tables at this revision (a migration does not read today's catalogue).
LAYER_TABLES = ('road_segments', 'parks', 'watercourses', 'shantytown_zones',
                'water_source_areas', 'green_spaces', 'built_up_area', 'communities',
                'residential_land', 'streets', 'facilities')

FUNCTION = r"""
CREATE OR REPLACE FUNCTION lianchuang_feature_versions() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    who text := coalesce(nullif(current_setting('lianchuang.actor', true), ''), session_user);
    how text := coalesce(nullif(current_setting('lianchuang.channel', true), ''), 'sql');
    why text := nullif(current_setting('lianchuang.note', true), '');
    -- as text: TG_TABLE_NAME is a name, and layer = <a name> cannot use the indexes on
    -- (layer, fid), which made every version's lookup scan the whole index (quadratic)
    tbl text := TG_TABLE_NAME;
BEGIN
    IF how = 'restore' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE feature_versions v SET valid_to = now()
          FROM old_rows o
         WHERE v.layer = tbl AND v.fid = o.fid AND v.valid_to IS NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO feature_versions
               (layer, fid, version, op, valid_from, valid_to, geom, attrs, actor, channel, note)
        SELECT tbl, o.fid,
               coalesce((SELECT max(v.version) FROM feature_versions v
                          WHERE v.layer = tbl AND v.fid = o.fid), 0) + 1,
               'delete', now(), now(), o.geom, to_jsonb(o) - 'geom' - 'fid', who, how, why
          FROM old_rows o;
    ELSE
        INSERT INTO feature_versions
               (layer, fid, version, op, valid_from, valid_to, geom, attrs, actor, channel, note)
        SELECT tbl, n.fid,
               coalesce((SELECT max(v.version) FROM feature_versions v
                          WHERE v.layer = tbl AND v.fid = n.fid), 0) + 1,
               lower(TG_OP), now(), NULL, n.geom, to_jsonb(n) - 'geom' - 'fid', who, how, why
          FROM new_rows n;
    END IF;
    RETURN NULL;
END
$body$
"""


def create_triggers(table: str) -> None:
    """The three triggers that keep *table*'s versions (also for a layer added later)."""
    for event, transition in (("INSERT", "NEW TABLE AS new_rows"),
                              ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                              ("DELETE", "OLD TABLE AS old_rows")):
        op.execute(f"CREATE TRIGGER {table}_versions_{event.lower()} AFTER {event} ON {table} "
                   f"REFERENCING {transition} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION lianchuang_feature_versions()")


def upgrade() -> None:
    op.create_table(
        'feature_versions',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('layer', sa.Text(), nullable=False, comment='图层'),
        sa.Column('fid', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False, comment='1, 2, ... per feature'),
        sa.Column('op', sa.Text(), nullable=False, comment='insert, update or delete'),
        sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
        sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True,
                  comment='when the next version replaced it; NULL: the current one'),
        sa.Column('geom', geoalchemy2.types.Geometry(srid=4326, spatial_index=False,
                                                     from_text='ST_GeomFromEWKT',
                                                     name='geometry'), nullable=True),
        sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  comment='every other column of the row'),
        sa.Column('actor', sa.Text(), nullable=False,
                  comment='who (a user name, or the database role)'),
        sa.Column('channel', sa.Text(), nullable=False,
                  comment='map, api, import, restore-version, cli or sql'),
        sa.Column('note', sa.Text(), nullable=True, comment='why'),
        sa.CheckConstraint("op IN ('insert', 'update', 'delete')",
                           name=op.f('ck_feature_versions_op_known')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feature_versions')),
        sa.UniqueConstraint('layer', 'fid', 'version',
                            name=op.f('uq_feature_versions_layer')),
        comment='要素的每个版本（由触发器写入，只增不改）',
    )
    # Time travel's index: the layer, the period a version held and its geometry in one GiST
    # (btree_gist for the layer), so "parks as of T inside this box" finds exactly the
    # versions that held then, instead of every version since T's layer began.  least(): a
    # version closed by a transaction that began before it was written has an empty period
    # (and an open one, valid_to NULL, no upper bound).
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("CREATE INDEX ix_feature_versions_when ON feature_versions USING gist "
               "(layer, tstzrange(least(valid_from, valid_to), valid_to), geom) "
               "WHERE op <> 'delete'")
    op.create_index('ix_feature_versions_open', 'feature_versions', ['layer', 'fid'],
                    unique=True, postgresql_where=sa.text('valid_to IS NULL'))
    op.create_index('ix_feature_versions_period', 'feature_versions',
                    ['layer', 'valid_from', 'valid_to'], unique=False)
    for table in LAYER_TABLES:
        op.execute(
            "INSERT INTO feature_versions (layer, fid, version, op, valid_from, geom, attrs, "
            f"actor, channel, note) SELECT '{table}', t.fid, 1, 'insert', t.imported_at, "
            "t.geom, to_jsonb(t) - 'geom' - 'fid', 'migration', 'import', "
            f"'the state when versions began' FROM {table} t")
    op.execute(FUNCTION)
    for table in LAYER_TABLES:
        create_triggers(table)


def downgrade() -> None:
    for table in LAYER_TABLES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_{event} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS lianchuang_feature_versions()")
    op.drop_index('ix_feature_versions_period', table_name='feature_versions')
    op.drop_index('ix_feature_versions_open', table_name='feature_versions',
                  postgresql_where=sa.text('valid_to IS NULL'))
    op.execute("DROP INDEX IF EXISTS ix_feature_versions_when")
    op.drop_table('feature_versions')
