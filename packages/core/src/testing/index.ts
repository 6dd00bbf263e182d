export * from './services.js'
