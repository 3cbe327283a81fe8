// The README's ten-line example, compiled with the tests so that it keeps type-checking.
import { createPasslineClient, newIdempotencyKey } from '../src/index.js';

export async function readmeExample(): Promise<void> {
  const passline = createPasslineClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.PASSLINE_KEY! });
  const { data, error } = await passline.POST('/v1/sessions', {
    params: { header: { 'Idempotency-Key': newIdempotencyKey() } },
    body: { expires_in: 900, share_fields: { age_over_18: { required: true, reason: 'Adults only.' } } },
  });
  if (error) throw new Error(`${error.error.code}: ${error.error.message}`);
  console.log(data.data.verification_url);
}
