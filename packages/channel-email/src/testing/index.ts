export * from './smtp-sink.js'
export * from './dsn-fixtures.js'
