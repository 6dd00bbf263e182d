export * from './staff-client.js'
export * from './sse-client.js'
