export * from './test-redis.js'
