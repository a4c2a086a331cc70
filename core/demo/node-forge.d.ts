// The part of node-forge's API the demo cluster's certificate code uses (the package ships no
// types, and @types/node-forge would be a second dependency for a handful of functions).
declare module 'node-forge' {
  export namespace util {
    interface ByteStringBuffer {
      getBytes(): string;
      toHex(): string;
    }
  }
  export namespace md {
    interface MessageDigest {
      readonly algorithm: string;
    }
    namespace sha256 {
      function create(): MessageDigest;
    }
  }
  export namespace pki {
    type PublicKey = object;
    type PrivateKey = object;
    interface Attribute {
      name?: string;
      shortName?: string;
      value: string;
    }
    interface DistinguishedName {
      attributes: Attribute[];
      getField(name: string): Attribute | null;
    }
    interface Certificate {
      version: number;
      serialNumber: string;
      publicKey: PublicKey;
      validity: { notBefore: Date; notAfter: Date };
      subject: DistinguishedName;
      issuer: DistinguishedName;
      setSubject(attrs: Attribute[]): void;
      setIssuer(attrs: Attribute[]): void;
      setExtensions(exts: Record<string, unknown>[]): void;
      sign(key: PrivateKey, md: md.MessageDigest): void;
      generateSubjectKeyIdentifier(): util.ByteStringBuffer;
    }
    function createCertificate(): Certificate;
    function publicKeyFromPem(pem: string): PublicKey;
    function privateKeyFromPem(pem: string): PrivateKey;
    function certificateFromPem(pem: string): Certificate;
    function certificateToPem(cert: Certificate): string;
  }
  const forge: { pki: typeof pki; md: typeof md; util: typeof util };
  export default forge;
}
