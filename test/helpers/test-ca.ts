/**
 * A throwaway certificate authority made at test time, so TLS tests need no files on disk and
 * certificate checks stay on: servers present a leaf signed by the CA, clients trust the CA's PEM.
 */
import forge from 'node-forge';

export interface TestCa {
  /** PEM of the CA certificate, to trust (caCertificate, or an https agent's `ca`). */
  certPem: string;
  /** Issues a server certificate for the given DNS names and IP addresses. */
  issue(names?: string[]): { certPem: string; keyPem: string };
}

let serial = 1;

function nextSerial(): string {
  serial += 1;
  return serial.toString(16).padStart(2, '0');
}

function validity(cert: forge.pki.Certificate): void {
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
}

export function createTestCa(commonName = 'Postroom Test CA'): TestCa {
  const caKeys = forge.pki.rsa.generateKeyPair(2048);
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = nextSerial();
  validity(ca);
  const caSubject = [{ name: 'commonName', value: commonName }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    certPem: forge.pki.certificateToPem(ca),
    issue(names = ['localhost', '127.0.0.1', '::1']) {
      const keys = forge.pki.rsa.generateKeyPair(2048);
      const cert = forge.pki.createCertificate();
      cert.publicKey = keys.publicKey;
      cert.serialNumber = nextSerial();
      validity(cert);
      cert.setSubject([{ name: 'commonName', value: names[0] ?? 'localhost' }]);
      cert.setIssuer(caSubject);
      const altNames = names.map((n) => (/^[\d.]+$|:/.test(n) ? { type: 7, ip: n } : { type: 2, value: n }));
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
        { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
      ]);
      cert.sign(caKeys.privateKey, forge.md.sha256.create());
      return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
    },
  };
}
