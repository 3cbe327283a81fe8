import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsString, Length, ValidateBy } from 'class-validator';
import { KEY_ALGORITHM, KEY_TYPE, publicJwkProblem } from '../public-jwk.js';

/** The structural JWK checks of §5.8 as a body constraint, so they answer before the 404. */
function IsPublicRsaJwk(): PropertyDecorator {
  return ValidateBy({
    name: 'isPublicRsaJwk',
    validator: {
      validate: (value: unknown) => publicJwkProblem(value) === null,
      defaultMessage: (args) => publicJwkProblem(args?.value) ?? 'jwk is invalid',
    },
  });
}

export class CreateKeyDto {
  /**
   * Your name for the key, 1 to 128 characters; it becomes the JWE `kid`. Uniqueness is
   * not enforced, but keep it unique so your receiver can pick the private key.
   * @example "rsa-key-1"
   */
  @IsString({ message: 'key_id must be a string' })
  @Length(1, 128, { message: 'key_id must be 1 to 128 characters' })
  key_id: string;

  /**
   * An RSA public JWK: `kty` "RSA", base64url `n` and `e`, a modulus of 2048 bits or
   * more; `alg` must be "RSA-OAEP-256" and `use` "enc" when present. Private members
   * (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`) are refused. Only `kty`, `n`, `e`, `alg`,
   * `use` and `kid` are kept.
   */
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { kty: 'RSA', n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw', e: 'AQAB' },
  })
  @IsPublicRsaJwk()
  jwk: Record<string, unknown>;

  /**
   * Key management algorithm; exactly "RSA-OAEP-256".
   * @example "RSA-OAEP-256"
   */
  @IsString({ message: `algorithm must be "${KEY_ALGORITHM}"` })
  @Equals(KEY_ALGORITHM, { message: `algorithm must be "${KEY_ALGORITHM}"` })
  algorithm: string;

  /**
   * Key type; exactly "RSA".
   * @example "RSA"
   */
  @IsString({ message: `key_type must be "${KEY_TYPE}"` })
  @Equals(KEY_TYPE, { message: `key_type must be "${KEY_TYPE}"` })
  key_type: string;
}
