/**
 * A minimal PKCS#10 certificate signing request encoder (DER/PEM) over node:crypto, for Ed25519 and
 * ECDSA P-256 device keys: subject CN (terminal id), O (fleet), OU (product). No attributes/extensions —
 * the fleet CA decides what goes into the certificate.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';

const len = (n: number): number[] => {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
};
const tlv = (tag: number, body: readonly number[]): number[] => [tag, ...len(body.length), ...body];
const seq = (...items: number[][]): number[] => tlv(0x30, items.flat());
const set = (...items: number[][]): number[] => tlv(0x31, items.flat());
const int0 = (): number[] => tlv(0x02, [0]);
const utf8 = (s: string): number[] => tlv(0x0c, [...Buffer.from(s, 'utf8')]);
const bitString = (b: Uint8Array): number[] => tlv(0x03, [0, ...b]);

/** Dotted OID → DER OBJECT IDENTIFIER. */
export function oid(dotted: string): number[] {
  const parts = dotted.split('.').map(Number);
  const body = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift(0x80 | (v & 0x7f));
    body.push(...stack);
  }
  return tlv(0x06, body);
}

const OID = { cn: '2.5.4.3', o: '2.5.4.10', ou: '2.5.4.11', ed25519: '1.3.101.112', ecdsaSha256: '1.2.840.10045.4.3.2' } as const;

export interface CsrSubject { readonly commonName: string; readonly organization?: string; readonly organizationalUnit?: string }

/** The CSR in DER, signed with `privateKey` (Ed25519 or EC P-256). */
export function createCsrDer(privateKey: KeyObject, subject: CsrSubject): Buffer {
  const type = privateKey.asymmetricKeyType;
  if (type !== 'ed25519' && !(type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1')) {
    throw new TypeError(`unsupported key type ${String(type)}: use Ed25519 or EC P-256`);
  }
  const rdn = (o: string, v: string): number[] => set(seq(oid(o), utf8(v)));
  const name = seq(
    ...(subject.organization ? [rdn(OID.o, subject.organization)] : []),
    ...(subject.organizationalUnit ? [rdn(OID.ou, subject.organizationalUnit)] : []),
    rdn(OID.cn, subject.commonName),
  );
  const spki = [...createPublicKey(privateKey).export({ type: 'spki', format: 'der' })];
  const info = seq(int0(), name, spki, tlv(0xa0, []));
  const tbs = Buffer.from(info);
  const [alg, sig] = type === 'ed25519'
    ? [seq(oid(OID.ed25519)), sign(null, tbs, privateKey)]
    : [seq(oid(OID.ecdsaSha256)), sign('sha256', tbs, privateKey)];
  return Buffer.from(seq(info, alg, bitString(sig)));
}

export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
