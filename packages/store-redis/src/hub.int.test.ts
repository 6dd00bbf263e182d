import { isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import { describeHubOnStoreSuite } from '@omotenashi/profile/testing'
import { RedisProfileStore } from './redis-profile-store.js'
import { redisStore } from './redis-store.js'
import { testRedis } from './testing/index.js'

// Skipped when Redis is down, unless OMOTENASHI_REQUIRE_SERVICES=1 (then it runs, and fails).
if ((await isReachable(SERVICE_PORTS.redis)) || servicesRequired) {
  describeHubOnStoreSuite('Redis', () => {
    const t = testRedis('hub')
    return {
      storeModule: () => redisStore({ client: t.client, prefix: t.prefix, scheduler: { pollIntervalMs: 50 } }),
      profileStoreClass: RedisProfileStore,
      indexed: (keys) => t.client.exists(...keys.map((key) => `${t.prefix}id:${key}`)),
      cleanup: t.drop,
    }
  })
}
