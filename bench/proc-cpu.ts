import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/**
 * CPU time (ms, user + system) of a process or thread so far, from a Linux `/proc/.../stat`
 * file: `/proc/<pid>/stat` for a process, `/proc/<pid>/task/<tid>/stat` for one thread.
 * Undefined where /proc cannot be read (not Linux).
 */
export function procCpuMs(statPath: string): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, so split after its closing paren);
    // utime and stime are fields 14 and 15, in clock ticks of 10 ms.
    const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000
  } catch {
    return undefined
  }
}

/** CPU time (ms) the local nats-server (`NATS_SERVER_PID` when several run) has used so far; undefined if not found. */
export function natsServerCpuMs(): number | undefined {
  try {
    const pid = process.env['NATS_SERVER_PID'] ?? execFileSync('pidof', ['nats-server'], { encoding: 'utf8' }).trim().split(' ')[0]!
    return procCpuMs(`/proc/${pid}/stat`)
  } catch {
    return undefined
  }
}

/** The whole machine's CPU time so far (ms summed over its cores), from `/proc/stat`. */
export interface MachineCpu {
  /** Time the cores spent idle (idle and waiting on I/O). */
  readonly idleMs: number
  /** Time the hypervisor ran something else while this machine's vCPUs wanted to run. */
  readonly stealMs: number
}

/** The machine's CPU time so far (undefined where /proc/stat cannot be read). */
export function machineCpu(): MachineCpu | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal …, in ticks of 10 ms.
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
    const ms = (t: number) => t * 10
    return { idleMs: ms(ticks[3]! + ticks[4]!), stealMs: ms(ticks[7]!) }
  } catch {
    return undefined
  }
}
