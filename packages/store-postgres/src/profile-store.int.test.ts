import { isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import { describeProfileStoreContract } from '@omotenashi/profile/testing'
import { describe, it } from 'vitest'
import { PgDatabase } from './database.js'
import { PgProfileStore } from './pg-profile-store.js'
import { testDatabase } from './testing/index.js'

// The whole ProfileStore contract from @omotenashi/profile, each test on a fresh schema.
const up = (await isReachable(SERVICE_PORTS.postgres)) || servicesRequired

if (up) {
  describeProfileStoreContract('PgProfileStore', async ({ rules }) => {
    const t = testDatabase('contract_profiles')
    return { store: new PgProfileStore(new PgDatabase({ pool: t.pool, schema: t.schema }), { rules }), cleanup: t.drop }
  })
} else {
  describe.skip('ProfileStore contract on PostgreSQL (PostgreSQL is not reachable)', () => it('skipped', () => {}))
}
