import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateBy, ValidateIf } from 'class-validator';
import { ApiError } from '../../common/errors/api-error.js';
import { pristineBodyOf, registerPriorityConstraint } from '../../common/validation.js';
import { checkShareFieldsShape, ShareContractViolation, type ShareContractCode } from '../share-contract/index.js';
import { ShareFieldInput } from './share-field.dto.js';

export const SHARE_FIELDS_SHAPE = 'shareFieldsShape';

/** The 400 of a share-contract violation (§3.6.4): its own code, message and hint. */
export function shareContractError(violation: ShareContractViolation): ApiError {
  return new ApiError(400, violation.code, violation.message, violation.hint, violation.docsPath, violation.param);
}

// A constraint hands over only its message, so stage 1 packs its violation into it as
// `<code>` or `<code> <param>`; codes hold no space, so the first one ends the code.
const packViolation = (violation: ShareContractViolation): string =>
  violation.param === undefined ? violation.code : `${violation.code} ${violation.param}`;

registerPriorityConstraint(SHARE_FIELDS_SHAPE, (message) => {
  const space = message.indexOf(' ');
  const code = (space < 0 ? message : message.slice(0, space)) as ShareContractCode;
  return shareContractError(new ShareContractViolation(code, space < 0 ? undefined : message.slice(space + 1)));
});

/** Stage 1 of the share contract (§3.6.4); its failure wins over every other body error. */
function IsShareFieldsShape(): PropertyDecorator {
  return ValidateBy({
    name: SHARE_FIELDS_SHAPE,
    validator: {
      validate: (value: unknown) => checkShareFieldsShape(value) === null,
      defaultMessage: (args) => {
        const violation = checkShareFieldsShape(args?.value);
        return violation ? packViolation(violation) : 'INVALID_SHARE_FIELDS';
      },
    },
  });
}

export class CreateSessionDto {
  /**
   * Where the hosted page sends the user when the session ends, with `session_id` and
   * `status` appended. Absolute URL, at most 2048 characters, https (http only for
   * localhost, 127.0.0.1 and [::1] outside production). `null` is the same as omitting it.
   * @example "https://shop.example/return"
   */
  @IsOptional()
  @IsString({ message: 'redirect_url must be a string or null' })
  @MaxLength(2048, { message: 'redirect_url must be at most 2048 characters' })
  redirect_url?: string | null;

  /**
   * The claims you need, each with the reason shown to the user: `claim key →
   * {"required": boolean, "reason": string}`, at most 32 entries. Omit it for the 13
   * default claims. Keys: `date_of_birth`, `document_expiry_date`, `document_number`,
   * `document_photo`, `document_type_code`, `family_name`, `given_names`,
   * `issuing_country_code`, `kayle_document_id` (always added, always required),
   * `kayle_human_id`, `mrz_optional_data`, `nationality_code`, `sex_marker`, and one age
   * gate `age_over_N` (N from 12 to 130; not together with `date_of_birth`).
   */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ShareFieldInput' },
    example: {
      age_over_18: { required: true, reason: 'Confirm you are an adult.' },
      nationality_code: { required: false, reason: 'Shipping restrictions.' },
    },
  })
  // The map as sent: class-transformer would drop claim keys such as `toString` or `__proto__`,
  // which must fail as unknown claims instead (§3.6.4).
  @Transform(({ obj, value }) => {
    const raw = pristineBodyOf(obj);
    return raw && Object.hasOwn(raw, 'share_fields') ? raw.share_fields : value;
  })
  @ValidateIf((o: CreateSessionDto) => o.share_fields !== undefined)
  @IsShareFieldsShape()
  share_fields?: Record<string, ShareFieldInput>;

  /**
   * Seconds until the session expires, 300 to 86400. Default 3600.
   * @example 3600
   */
  // Not @IsOptional(): that would let `null` through, and only redirect_url may be null (§3.2).
  @ValidateIf((o: CreateSessionDto) => o.expires_in !== undefined)
  @IsInt({ message: 'expires_in must be an integer number of seconds' })
  @Min(300, { message: 'expires_in must be at least 300 seconds' })
  @Max(86400, { message: 'expires_in must be at most 86400 seconds' })
  expires_in?: number;
}
