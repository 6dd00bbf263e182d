#!/usr/bin/env node
// The `omotenashi` executable. The library API is in ./api.ts.
import { run } from './program.js'

await run(process.argv)
