import { isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import { describeProfileBatchSuite } from '@omotenashi/profile/testing'
import { PgDatabase } from './database.js'
import { PgProfileStore } from './pg-profile-store.js'
import { testDatabase } from './testing/index.js'

// Skipped when PostgreSQL is down, unless OMOTENASHI_REQUIRE_SERVICES=1 (then they run, and fail).
if ((await isReachable(SERVICE_PORTS.postgres)) || servicesRequired) {
  describeProfileBatchSuite('PgProfileStore', () => {
    const t = testDatabase('profile_batch')
    return { store: (options) => new PgProfileStore(new PgDatabase({ pool: t.pool, schema: t.schema }), options), cleanup: t.drop }
  })
}
