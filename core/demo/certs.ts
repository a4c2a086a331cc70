// The demo cluster's PKI: a self-signed CA, a serving certificate for 127.0.0.1/localhost, and
// client certificates whose CN is the user and whose O entries are the groups, as the API
// server's x509 authenticator reads them. Node's crypto makes the RSA keys (natively, fast);
// node-forge, which is pure JavaScript and so runs wherever the app does, builds and signs the
// X.509 structures that Node cannot.
import { generateKeyPair, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import forge, { type pki } from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

const DAY = 24 * 60 * 60 * 1000;

async function rsaKeyPair(): Promise<{ publicKey: string; privateKey: string }> {
  return generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    // PKCS#1 ("RSA PRIVATE KEY"), which Go's tls.X509KeyPair and Node both read.
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
}

/** 128 random bits, positive (Go rejects negative serial numbers). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex');
}

function validity(cert: pki.Certificate, now: number, days: number): void {
  // Back-dated an hour so a client whose clock runs slightly behind still accepts it.
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + days * DAY);
}

export async function createCertificateAuthority(opts: { commonName?: string; now?: number } = {}): Promise<CertificateAuthority> {
  const keys = await rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.serialNumber = serialNumber();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  validity(cert, opts.now ?? Date.now(), 3650);
  const name = [{ name: 'commonName', value: opts.commonName ?? 'kubeglass-demo-ca' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKey };
}

async function issue(
  ca: CertificateAuthority,
  subject: pki.Attribute[],
  extensions: Record<string, unknown>[],
  days: number,
  now: number,
): Promise<IssuedCertificate> {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const keys = await rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.serialNumber = serialNumber();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  validity(cert, now, days);
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ...extensions,
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKey };
}

export interface ServerCertificateOptions {
  dnsNames?: string[];
  ips?: string[];
  now?: number;
}

/** The API server's serving certificate: the names kubeadm puts in it, plus loopback. */
export function issueServerCertificate(ca: CertificateAuthority, opts: ServerCertificateOptions = {}): Promise<IssuedCertificate> {
  const dns = opts.dnsNames ?? ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const ips = opts.ips ?? ['127.0.0.1', '::1', '10.96.0.1'];
  return issue(
    ca,
    [{ name: 'commonName', value: 'kube-apiserver' }],
    [
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
    ],
    365,
    opts.now ?? Date.now(),
  );
}

/** A client certificate: CN is the user name, each O a group (kubeadm's admin has system:masters). */
export function issueClientCertificate(ca: CertificateAuthority, opts: { user: string; groups?: string[]; days?: number; now?: number }): Promise<IssuedCertificate> {
  return issue(
    ca,
    [...(opts.groups ?? []).map((value) => ({ name: 'organizationName', value })), { name: 'commonName', value: opts.user }],
    [{ name: 'extKeyUsage', clientAuth: true }],
    opts.days ?? 365,
    opts.now ?? Date.now(),
  );
}

/**
 * The CA from stateDir (ca.crt, ca.key) if there is one, else a new one, saved there when a
 * stateDir is given, so kubeconfigs written earlier keep trusting a restarted server.
 */
export async function loadOrCreateCertificateAuthority(stateDir?: string): Promise<CertificateAuthority> {
  if (stateDir) {
    try {
      const [certPem, keyPem] = await Promise.all([readFile(path.join(stateDir, 'ca.crt'), 'utf8'), readFile(path.join(stateDir, 'ca.key'), 'utf8')]);
      forge.pki.certificateFromPem(certPem);
      forge.pki.privateKeyFromPem(keyPem);
      return { certPem, keyPem };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot use the CA in ${stateDir}: ${(err as Error).message}`);
    }
  }
  const ca = await createCertificateAuthority();
  if (stateDir) {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(stateDir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    await writeFile(path.join(stateDir, 'ca.crt'), ca.certPem, { mode: 0o644 });
  }
  return ca;
}
