import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

/** A TLS key and self-signed certificate for 127.0.0.1 and localhost. */
export interface TestCertificate {
  /** PEM private key. */
  readonly key: string
  /** PEM certificate: give it to clients as `ca`. */
  readonly cert: string
}

/**
 * Makes a throw-away self-signed certificate (P-256, valid one day, for `127.0.0.1` and
 * `localhost`) with the `openssl` command, which Debian, Ubuntu and macOS ship. Tests only.
 */
export async function createTestCertificate(): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'omotenashi-cert-'))
  try {
    const keyPath = join(dir, 'key.pem')
    const certPath = join(dir, 'cert.pem')
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ])
    return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') }
  } catch (error) {
    throw new Error(`could not make a test certificate with openssl (is it installed?): ${(error as Error).message}`, { cause: error })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
