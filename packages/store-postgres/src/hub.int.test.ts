import { isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import { describeHubOnStoreSuite } from '@omotenashi/profile/testing'
import { PgProfileStore } from './pg-profile-store.js'
import { postgresStore } from './postgres-store.js'
import { testDatabase } from './testing/index.js'

// Skipped when PostgreSQL is down, unless OMOTENASHI_REQUIRE_SERVICES=1 (then it runs, and fails).
if ((await isReachable(SERVICE_PORTS.postgres)) || servicesRequired) {
  describeHubOnStoreSuite('PostgreSQL', () => {
    const t = testDatabase('hub')
    return {
      storeModule: () => postgresStore({ pool: t.pool, schema: t.schema, scheduler: { pollIntervalMs: 50 } }),
      profileStoreClass: PgProfileStore,
      indexed: async (keys) =>
        (await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.schema}".profile_identifiers WHERE key = ANY($1::text[])`, [keys])).rows[0]!.n,
      cleanup: t.drop,
    }
  })
}
