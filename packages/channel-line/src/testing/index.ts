export * from './openapi-contract.js'
export * from './line-test-server.js'
export * from './webhook-fixtures.js'
