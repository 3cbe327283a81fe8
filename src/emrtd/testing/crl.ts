import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateTime, extension, ownBytes, signBytes, signatureAlgorithmIdentifier, subjectNameDer, type FixtureCsca } from './pki.js';

export interface CrlSpec {
  /** The CSCA whose name the CRL carries and whose key signs it (its SKI becomes the CRL's AKI). */
  issuer: FixtureCsca;
  /** Certificates (DER) whose serial numbers the CRL lists. */
  revoked?: Uint8Array[];
  /** Further serial numbers to list. */
  revokedSerials?: bigint[];
  thisUpdate: Date;
  /** Omitted when null. */
  nextUpdate: Date | null;
  /** The cRLNumber extension; omitted when null or absent. */
  crlNumber?: bigint | number | null;
  /** Signs with this key instead of the issuer's (a forged CRL). */
  signingKey?: KeyObject;
  /** Adds a critical extension of this OID, which no reader understands. */
  criticalExtension?: string;
}

/** Builds and signs an X.509 v2 CRL (RFC 5280 §5); returns its DER. Revocation dates are thisUpdate. */
export function buildCrl(spec: CrlSpec): Uint8Array {
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1; // v2
  crl.issuer = pkijs.RelativeDistinguishedNames.fromBER(ownBytes(subjectNameDer(spec.issuer.certDer)));
  crl.thisUpdate = certificateTime(spec.thisUpdate);
  if (spec.nextUpdate) crl.nextUpdate = certificateTime(spec.nextUpdate);
  const serials = [
    ...(spec.revoked ?? []).map((der) => pkijs.Certificate.fromBER(ownBytes(der)).serialNumber),
    ...(spec.revokedSerials ?? []).map((serial) => new asn1js.Integer({ valueHex: serialBytes(serial) })),
  ];
  // RFC 5280 §5.1.2.6: no revokedCertificates field at all when the list is empty.
  if (serials.length > 0) {
    crl.revokedCertificates = serials.map(
      (userCertificate) => new pkijs.RevokedCertificate({ userCertificate, revocationDate: certificateTime(spec.thisUpdate) }),
    );
  }
  const extensions = [
    extension('2.5.29.35', false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: spec.issuer.subjectKeyIdentifier }) }).toSchema()),
  ];
  if (spec.crlNumber !== undefined && spec.crlNumber !== null) {
    extensions.push(extension('2.5.29.20', false, new asn1js.Integer({ valueHex: serialBytes(BigInt(spec.crlNumber)) })));
  }
  if (spec.criticalExtension) extensions.push(extension(spec.criticalExtension, true, new asn1js.Null()));
  crl.crlExtensions = new pkijs.Extensions({ extensions });
  crl.signature = signatureAlgorithmIdentifier(spec.issuer.algorithm, spec.issuer.digest);
  crl.signatureAlgorithm = signatureAlgorithmIdentifier(spec.issuer.algorithm, spec.issuer.digest);
  // toSchema(true) encodes the TBSCertList from the fields (encodeTBS is protected in the typings).
  const tbs = new Uint8Array(crl.toSchema(true).valueBlock.value[0].toBER());
  crl.tbsView = tbs;
  const signature = signBytes(spec.signingKey ?? spec.issuer.privateKey, spec.issuer.algorithm, spec.issuer.digest, tbs);
  crl.signatureValue = new asn1js.BitString({ valueHex: signature });
  return new Uint8Array(crl.toSchema(false).toBER());
}

/** A non-negative integer as minimal DER INTEGER contents. */
function serialBytes(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
