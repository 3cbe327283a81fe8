import {
  cosineSimilarity,
  decideFaceMatch,
  median,
  selfiesAreSameBytes,
  selfiesAreSamePicture,
  similarityToScore,
} from './decision.js';

const unit = (angle: number) => [Math.cos(angle), Math.sin(angle)];

describe('cosineSimilarity', () => {
  it('is 1 for the same direction, 0 for orthogonal, -1 for opposite, whatever the length', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 10);
    expect(cosineSimilarity([1, 0], [0, 5])).toBeCloseTo(0, 10);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1, 10);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
  });

  it('refuses embeddings of different lengths', () => {
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(RangeError);
  });
});

describe('median and score', () => {
  it('takes the middle value of odd and the mean of the middle two of even lists', () => {
    expect(median([0.9, 0.1, 0.5])).toBe(0.5);
    expect(median([0.2, 0.8, 0.4, 0.6])).toBeCloseTo(0.5, 10);
  });

  it('maps similarity to 0..1 with negatives as 0', () => {
    expect(similarityToScore(-0.4)).toBe(0);
    expect(similarityToScore(0.7)).toBe(0.7);
    expect(similarityToScore(1.0000001)).toBe(1);
  });
});

describe('identical selfies', () => {
  it('sees byte-identical selfies only when all three are the same bytes', () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(selfiesAreSameBytes([a, Uint8Array.from(a), Uint8Array.from(a)])).toBe(true);
    expect(selfiesAreSameBytes([a, a, new Uint8Array([1, 2, 4])])).toBe(false);
  });

  it('sees one picture when every pair of embeddings is above 0.995', () => {
    expect(selfiesAreSamePicture([unit(0), unit(0.01), unit(0.02)])).toBe(true);
    // cos(0.2) = 0.980: a second photo of the same person, not the same picture.
    expect(selfiesAreSamePicture([unit(0), unit(0.01), unit(0.2)])).toBe(false);
  });
});

describe('decideFaceMatch', () => {
  const portrait = unit(0);

  it('passes when the median similarity reaches the threshold, one bad selfie notwithstanding', () => {
    const result = decideFaceMatch(portrait, [unit(0.3), unit(0.5), unit(1.5)], 0.8);
    expect(result.faceScore).toBeCloseTo(Math.cos(0.5), 10);
    expect(result).toMatchObject({ passed: true, usedFallback: false, livenessPassed: true });
    expect(result.reason).toBeUndefined();
  });

  it('fails below the threshold with reason below_threshold', () => {
    const result = decideFaceMatch(portrait, [unit(1.2), unit(1.3), unit(0.1)], 0.5);
    expect(result.faceScore).toBeCloseTo(Math.cos(1.2), 10);
    expect(result).toMatchObject({ passed: false, reason: 'below_threshold', livenessPassed: true });
  });

  it('fails liveness for one picture sent three times even when the face matches', () => {
    const result = decideFaceMatch(portrait, [unit(0.1), unit(0.1), unit(0.1)], 0.5);
    expect(result).toMatchObject({ passed: false, livenessPassed: false, reason: 'identical_selfies' });
    expect(result.faceScore).toBeCloseTo(Math.cos(0.1), 10);
  });
});
