import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate from a CA the broker does not trust. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

/**
 * A throw-away PKI made with openssl at test time (P-256, one day): a CA, a server certificate for
 * 127.0.0.1/localhost and a client certificate whose CN is the terminal id. Nothing is committed.
 */
export function makeTestPki(clientCn: string): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'kioskd-pki-'));
  const f = (n: string): string => join(dir, n);
  const ossl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'pipe' }); };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string): void => ossl('req', '-x509', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`), '-days', '1', '-subj', `/CN=${name}`);
  const leaf = (name: string, cn: string, caName: string, ext: string): void => {
    ossl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    writeFileSync(f(`${name}.ext`), ext);
    ossl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.crt`), '-CAkey', f(`${caName}.key`), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '1', '-extfile', f(`${name}.ext`));
  };
  ca('test-ca');
  ca('stranger-ca');
  leaf('server', 'localhost', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', clientCn, 'test-ca', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', clientCn, 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    dir, ca: f('test-ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'),
    clientCert: f('client.crt'), clientKey: f('client.key'), strangerCert: f('stranger.crt'), strangerKey: f('stranger.key'),
  };
}
