export * from './test-server.js'
export * from './fuzz.js'
