import { parseFaceMatchReply } from './face-match-reply.js';

describe('parseFaceMatchReply', () => {
  it('accepts a reply of the §6.8 schema', () => {
    expect(parseFaceMatchReply({ faceScore: 0.92, passed: true, usedFallback: false, livenessPassed: true })).toEqual({
      faceScore: 0.92,
      passed: true,
      usedFallback: false,
      livenessPassed: true,
    });
    expect(parseFaceMatchReply({ faceScore: null, passed: false, usedFallback: true, reason: 'no_face' })).toEqual({
      faceScore: null,
      passed: false,
      usedFallback: true,
      reason: 'no_face',
    });
  });

  it('rejects replies outside the schema', () => {
    expect(parseFaceMatchReply(null)).toBeNull();
    expect(parseFaceMatchReply([])).toBeNull();
    expect(parseFaceMatchReply({ passed: true, usedFallback: false })).toBeNull();
    expect(parseFaceMatchReply({ faceScore: 1.5, passed: true, usedFallback: false })).toBeNull();
    expect(parseFaceMatchReply({ faceScore: 0.5, passed: 'yes', usedFallback: false })).toBeNull();
    expect(parseFaceMatchReply({ faceScore: 0.5, passed: true, usedFallback: false, livenessPassed: 1 })).toBeNull();
  });
});
