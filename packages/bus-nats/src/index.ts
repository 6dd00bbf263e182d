export * from './options.js'
export * from './partitions.js'
export * from './nats-event-bus.js'
export * from './module.js'
