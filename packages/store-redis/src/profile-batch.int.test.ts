import { isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import { describeProfileBatchSuite } from '@omotenashi/profile/testing'
import { RedisConnection } from './connection.js'
import { RedisProfileStore } from './redis-profile-store.js'
import { testRedis } from './testing/index.js'

// Skipped when Redis is down, unless OMOTENASHI_REQUIRE_SERVICES=1 (then they run, and fail).
if ((await isReachable(SERVICE_PORTS.redis)) || servicesRequired) {
  describeProfileBatchSuite('RedisProfileStore', () => {
    const t = testRedis('profile-batch')
    return { store: (options) => new RedisProfileStore(new RedisConnection({ client: t.client, prefix: t.prefix }), options), cleanup: t.drop }
  })
}
