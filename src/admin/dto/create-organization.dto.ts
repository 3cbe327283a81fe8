import { IsString } from 'class-validator';
import { IsTrimmedLength } from '../../common/validators.js';

export class CreateOrganizationDto {
  /**
   * Organization name, 1 to 120 characters after trimming.
   * @example "Acme"
   */
  @IsString()
  @IsTrimmedLength(1, 120)
  name: string;
}
