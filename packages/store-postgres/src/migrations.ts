/** One schema change shipped with the package. `sql` receives the quoted schema name. */
export interface Migration {
  /** Stable id, recorded in `<schema>.migrations` once applied. Never renamed. */
  readonly id: string
  /** The DDL, for the given quoted schema. */
  readonly sql: (schema: string) => string
}

/**
 * Every migration, in order. Append only: a released migration never changes, a new change is a
 * new entry. Times the hub's Clock decides (timer due times, ledger claims) are epoch-ms bigints
 * so a virtual clock drives them exactly; times carried by records are timestamptz.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_core_ports',
    sql: (s) => `
      CREATE TABLE ${s}.timers (
        id text PRIMARY KEY,
        due_at bigint NOT NULL,
        run_at bigint NOT NULL,
        customer_id text,
        key text,
        event jsonb NOT NULL,
        gen text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        owner text
      );
      CREATE INDEX timers_run_at ON ${s}.timers (run_at, id);
      CREATE INDEX timers_customer ON ${s}.timers (customer_id, key) WHERE customer_id IS NOT NULL;

      CREATE TABLE ${s}.idempotency (
        key text PRIMARY KEY,
        state text NOT NULL CHECK (state IN ('pending', 'done')),
        since bigint NOT NULL,
        done_at bigint,
        result jsonb
      );

      CREATE TABLE ${s}.decisions (
        seq bigserial PRIMARY KEY,
        id text NOT NULL,
        customer_id text NOT NULL,
        at timestamptz NOT NULL,
        body jsonb NOT NULL
      );
      CREATE INDEX decisions_customer ON ${s}.decisions (customer_id, at DESC, seq DESC);

      CREATE TABLE ${s}.inbox (
        customer_id text NOT NULL,
        id text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        read_at text,
        body jsonb NOT NULL,
        PRIMARY KEY (customer_id, id)
      );
      CREATE INDEX inbox_customer_created ON ${s}.inbox (customer_id, created_at DESC, id DESC);

      CREATE TABLE ${s}.dead_letters (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        event_id text NOT NULL,
        stage text NOT NULL,
        at text NOT NULL,
        event jsonb NOT NULL,
        error jsonb NOT NULL,
        redriven integer NOT NULL DEFAULT 0,
        UNIQUE (event_id, stage)
      );
    `,
  },
  {
    id: '0002_profiles',
    sql: (s) => `
      -- json, not jsonb: the body is always read and written whole, and json skips the binary
      -- conversion both ways (2-3x faster here). Rows up to ~8 kB stay inline and uncompressed,
      -- and free space on each page lets updates stay HOT (no index writes).
      CREATE TABLE ${s}.profiles (
        id text PRIMARY KEY,
        version integer NOT NULL,
        body json NOT NULL
      ) WITH (fillfactor = 70, toast_tuple_target = 8160);
      -- A merged-away id and the profile it now leads to (always the final survivor).
      CREATE TABLE ${s}.profile_aliases (
        old_id text PRIMARY KEY,
        survivor_id text NOT NULL
      );
      CREATE INDEX profile_aliases_survivor ON ${s}.profile_aliases (survivor_id);
      -- Identity graph index: identifier key ("kind:value") to its one owner.
      CREATE TABLE ${s}.profile_identifiers (
        key text PRIMARY KEY,
        profile_id text NOT NULL
      );
      CREATE INDEX profile_identifiers_profile ON ${s}.profile_identifiers (profile_id);
      -- Interest index: which profiles have any interest in an item; kinds and times are read from the profile.
      CREATE TABLE ${s}.profile_interests (
        sku text NOT NULL,
        profile_id text NOT NULL,
        PRIMARY KEY (sku, profile_id)
      );
      CREATE INDEX profile_interests_profile ON ${s}.profile_interests (profile_id);
    `,
  },
  {
    id: '0003_contacts',
    sql: (s) => `
      -- The decisioning stage's contact history (caps, cool-downs, max per customer), shared by
      -- every worker. seq orders contacts planned at the same millisecond as they were recorded.
      CREATE TABLE ${s}.contacts (
        customer_id text NOT NULL,
        key text NOT NULL,
        seq bigserial NOT NULL,
        at bigint NOT NULL,
        body jsonb NOT NULL,
        PRIMARY KEY (customer_id, key)
      );
      CREATE INDEX contacts_customer_at ON ${s}.contacts (customer_id, at, seq);
    `,
  },
]
