// Interim evaluation of the anomaly scorer on the labelled corpus (until the `anomaly` benchmark lands):
// node scripts/anomaly-eval.mjs dev|heldout [misses to print]. Trains on the train split, prints
// detection and false positives at threshold 10 and within 1% false positives, per family, and misses.
import { anomalyCorpus } from '../dist/bench/anomaly/corpus.js';
import { trainModel, scoreAll, ratesAt, ratesWithin, byFamily } from '../dist/bench/anomaly/evaluate.js';
const c = anomalyCorpus();
const which = process.argv[2] ?? 'dev';
const model = trainModel(c.train);
const { scored, micros } = scoreAll(model, c[which]);
console.log('n', c[which].length, 'us/req', micros.toFixed(1));
console.log('at 10', ratesAt(scored, 10));
console.log('within 1%', ratesWithin(scored, 0.01));
console.log(byFamily(scored, 10));
const fps = scored.filter(s => s.request.attack === null && s.score >= 10).slice(0, 25);
for (const s of fps) console.log('FP', s.score.toFixed(2), s.hits.join(','), s.request.http.path, s.request.http.body.slice(0,120));
const miss = scored.filter(s => s.request.attack !== null && s.score < 10);
for (const s of miss.slice(0, parseInt(process.argv[3] ?? '40'))) console.log('MISS', s.request.attack, s.score.toFixed(2), s.hits.join(','), s.request.http.path.slice(0,150), s.request.http.body.slice(0,150), JSON.stringify(s.request.http.headers).slice(0,200));
