import { kayleDocumentId } from './kayle-document-id.js';

describe('kayleDocumentId', () => {
  const secret = 'test-server-secret-0123456789abcdef';
  const specimen = { issuingCountryCode: 'UTO', documentTypeCode: 'P', documentNumber: 'L898902C3' };

  it('matches the contract test vector', () => {
    expect(kayleDocumentId(secret, '00000000-0000-4000-8000-000000000001', specimen)).toBe(
      '4753477cec2e58cd4544e1ccfd11a56f4e11914eb3be36a8596a02e8f0ffb82f',
    );
  });

  it('ignores case and whitespace in the document fields', () => {
    expect(
      kayleDocumentId(secret, '00000000-0000-4000-8000-000000000001', {
        issuingCountryCode: ' uto ',
        documentTypeCode: 'p',
        documentNumber: 'L898 902C3',
      }),
    ).toBe('4753477cec2e58cd4544e1ccfd11a56f4e11914eb3be36a8596a02e8f0ffb82f');
  });

  it('differs across organizations', () => {
    expect(kayleDocumentId(secret, '00000000-0000-4000-8000-000000000002', specimen)).not.toBe(
      kayleDocumentId(secret, '00000000-0000-4000-8000-000000000001', specimen),
    );
  });
});
