import { isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import { describeProfileStoreContract } from '@omotenashi/profile/testing'
import { describe, it } from 'vitest'
import { RedisConnection } from './connection.js'
import { RedisProfileStore } from './redis-profile-store.js'
import { testRedis } from './testing/index.js'

// The whole ProfileStore contract from @omotenashi/profile, each test under a fresh key prefix.
const up = (await isReachable(SERVICE_PORTS.redis)) || servicesRequired

if (up) {
  describeProfileStoreContract('RedisProfileStore', async ({ rules }) => {
    const t = testRedis('contract-profiles')
    return { store: new RedisProfileStore(new RedisConnection({ client: t.client, prefix: t.prefix }), { rules }), cleanup: t.drop }
  })
} else {
  describe.skip('ProfileStore contract on Redis (Redis is not reachable)', () => it('skipped', () => {}))
}
