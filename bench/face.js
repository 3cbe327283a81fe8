// npm run bench:face: builds the app (the npm script does), builds the labelled face set of
// src/face-match/evaluation from pictures shipped in node_modules, and prints for the built-in
// matcher (§6.8a): score distributions, false-accept and false-reject rates at the threshold
// and around it, the time per match (portrait + three selfies, decoding included) and memory.
//
// Environment:
//   FACE_MATCH_THRESHOLD   threshold to report (default: the matcher's default)
//   BENCH_FACE_TIMED       matches timed end to end (default 10)
//   BENCH_FACE_LIMIT       use only the first N faces of the set (default: all; person A is always in)
//
// A match is a portrait (240x320 greyscale JPEG q30, or JPEG 2000) against three selfies, scored
// by the median cosine similarity, exactly as the server does. Kinds of pairs:
//   genuine, real     person A's portrait against selfies made from three OTHER photos of him
//   genuine, derived  a face's portrait against selfies derived from the same photo (optimistic)
//   impostor          a face's portrait against selfies of another person
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_FACE_MATCH_THRESHOLD,
  cosineSimilarity,
  median,
  similarityToScore,
} from '../dist/src/face-match/engine/decision.js';
import { FaceModel } from '../dist/src/face-match/engine/face-model.js';
import { decodeImage } from '../dist/src/face-match/engine/images.js';
import { matchFaces } from '../dist/src/face-match/engine/match-faces.js';
import {
  FACE_SOURCE,
  isLookAlike,
  loadFaceTiles,
  passportPortrait,
  selfieVariants,
} from '../dist/src/face-match/evaluation/labelled-set.js';

const threshold = process.env.FACE_MATCH_THRESHOLD ? Number(process.env.FACE_MATCH_THRESHOLD) : DEFAULT_FACE_MATCH_THRESHOLD;
const timedMatches = Number(process.env.BENCH_FACE_TIMED ?? 10);
let peakRssMb = 0;
const sampleRss = () => (peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 2 ** 20));
const rssTimer = setInterval(sampleRss, 100);

const started = performance.now();
const model = await FaceModel.load();
const loadMs = performance.now() - started;
sampleRss();

const limit = Number(process.env.BENCH_FACE_LIMIT ?? Infinity);
const tiles = (await loadFaceTiles()).filter((tile, i) => tile.identity === 'person-a' || i < limit);
console.log(`Labelled set: ${tiles.length} faces cut from ${FACE_SOURCE.package}/${FACE_SOURCE.file}`);

// Every derived picture of every face, embedded once.
const faces = [];
const notFound = { portrait: 0, selfie: 0 };
const pictures = { portrait: 0, selfie: 0 };
for (const [index, tile] of tiles.entries()) {
  if (index % 10 === 0) process.stderr.write(`embedding face ${index + 1}/${tiles.length}\n`);
  const bytes = {
    jpeg: await passportPortrait(tile.image, 'jpeg'),
    jpeg2000: await passportPortrait(tile.image, 'jpeg2000'),
    selfies: selfieVariants(tile.image),
  };
  const embed = async (b, kind) => {
    pictures[kind]++;
    const embedding = await model.embed(await decodeImage(b));
    if (!embedding) notFound[kind]++;
    return embedding;
  };
  const selfies = [];
  for (const selfie of bytes.selfies) selfies.push(await embed(selfie, 'selfie'));
  faces.push({
    ...tile,
    bytes,
    portrait: { jpeg: await embed(bytes.jpeg, 'portrait'), jpeg2000: await embed(bytes.jpeg2000, 'portrait') },
    selfies,
  });
}
sampleRss();

/** null when a picture has no face found: counts as a rejected match. */
function score(portrait, selfies) {
  if (!portrait || selfies.some((s) => !s)) return null;
  return similarityToScore(median(selfies.map((s) => cosineSimilarity(portrait, s))));
}

const kinds = { 'genuine, real': [], 'genuine, derived': [], impostor: [] };
const personA = faces.filter((f) => f.identity === 'person-a');
for (const format of ['jpeg', 'jpeg2000']) {
  personA.forEach((face, i) => {
    const others = [1, 2, 3].map((k) => personA[(i + k) % personA.length]);
    kinds['genuine, real'].push(score(face.portrait[format], others.map((other, k) => other.selfies[k])));
  });
  faces.forEach((face, i) => {
    if (face.identity !== 'person-a') kinds['genuine, derived'].push(score(face.portrait[format], face.selfies));
    for (const step of [1, 7, 29, 53]) {
      const other = faces[(i + step) % faces.length];
      if (other.identity === face.identity || isLookAlike(face.id, other.id)) continue;
      kinds.impostor.push(score(face.portrait[format], other.selfies));
    }
  });
}

const fmt = (x) => (x === null || x === undefined ? '   -' : x.toFixed(2));
function quantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))] : null;
}
console.log(`\nScore distributions (median cosine similarity, 0..1; "no face" = a picture without a detected face):`);
console.log('kind               matches  no face   min    p5   p50   p95   max');
for (const [kind, scores] of Object.entries(kinds)) {
  const found = scores.filter((s) => s !== null).sort((a, b) => a - b);
  console.log(
    `${kind.padEnd(18)} ${String(scores.length).padStart(7)} ${String(scores.length - found.length).padStart(8)}  ${[0, 0.05, 0.5, 0.95, 1].map((q) => fmt(quantile(found, q))).join('  ')}`,
  );
}

// FAR counts impostor matches whose faces were all found (a picture without a face is not a
// comparison the model won); FRR counts every genuine match, as the person sees it.
const scoredImpostors = kinds.impostor.filter((s) => s !== null);
function rates(t) {
  const genuine = [...kinds['genuine, real'], ...kinds['genuine, derived']];
  const frrReal = kinds['genuine, real'].filter((s) => s === null || s < t).length / kinds['genuine, real'].length;
  const frr = genuine.filter((s) => s === null || s < t).length / genuine.length;
  const far = scoredImpostors.filter((s) => s >= t).length / scoredImpostors.length;
  return { far, frr, frrReal };
}
const pct = (x) => `${(x * 100).toFixed(1)}%`.padStart(6);
console.log(`\nRates by threshold (FAR over ${scoredImpostors.length} impostor matches with every face found; FRR over all genuine matches and over the real ones):`);
console.log('threshold    FAR     FRR  FRR real');
for (const t of [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, threshold].filter((t, i, all) => all.indexOf(t) === i).sort()) {
  const r = rates(t);
  console.log(`${t.toFixed(2)}${t === threshold ? '*' : ' '}     ${pct(r.far)}  ${pct(r.frr)}  ${pct(r.frrReal)}`);
}
console.log('(* the threshold in force)');

// End to end, as a worker runs it: decode four pictures, embed them, decide.
const times = [];
for (let i = 0; i < timedMatches; i++) {
  const face = personA[i % personA.length];
  const others = [1, 2, 3].map((k) => personA[(i + k) % personA.length].bytes.selfies[k - 1]);
  const t0 = performance.now();
  await matchFaces(model, i % 2 ? face.bytes.jpeg2000 : face.bytes.jpeg, others, threshold);
  times.push(performance.now() - t0);
  sampleRss();
}
times.sort((a, b) => a - b);
clearInterval(rssTimer);
const r = rates(threshold);
console.log(
  `\nModel load: ${Math.round(loadMs)} ms. No face found in ${notFound.portrait} of ${pictures.portrait} portraits and ${notFound.selfie} of ${pictures.selfie} selfies.`,
);
console.log(`Time per match (portrait + 3 selfies, decoding included, ${timedMatches} matches): median ${Math.round(quantile(times, 0.5))} ms, max ${Math.round(times.at(-1))} ms.`);
console.log(`Peak memory (RSS): ${Math.round(peakRssMb)} MB. Machine: ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end.`);
console.log(`At threshold ${threshold}: FAR ${pct(r.far).trim()}, FRR ${pct(r.frr).trim()} (real same-person pairs: ${pct(r.frrReal).trim()}).`);
