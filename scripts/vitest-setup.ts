// Property tests: under CI, fast-check explores a fixed region of the input space, so a CI run
// is reproducible (re-running a red CI shows the same failure); local runs explore a new region
// every time. FC_SEED picks another region.
import fc from 'fast-check'

if (process.env['CI']) fc.configureGlobal({ seed: Number(process.env['FC_SEED'] ?? 20261122) })
