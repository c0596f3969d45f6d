// The official-SDK anchor of the benchmark: the same load as gemini-bench, sent through
// @google/genai's Interactions API exactly as a user would call it.
//
//   node driver.mjs --base-url URL -n N -c C [--stream] [--words W] [--warmup K] [--image-width PX]
//   node --expose-gc driver.mjs --base-url URL --idle-streams N [-c C] [--deadline-s S]
//
// N creates (or streamed creates, every event consumed) with C in flight at once, after K
// uncounted ones (default 0) that let V8 compile the SDK's request path. Client CPU is
// process.cpuUsage() (user+system of every thread of the process), as getrusage(RUSAGE_SELF)
// is for gemini-bench. With --image-width every answer also carries an inline PNG that wide
// (square), whose size is checked, and the CPU per MiB of image data is printed.
//
// The second form mirrors gemini-bench --idle-streams: N streams that the emulator paces a
// minute apart, all opened at once (or C at a time), each held after its first event; it
// reports the growth of the resident set per open stream, after a full GC on both sides of the
// measurement when --expose-gc allows it, so that garbage is not counted against the SDK. With
// --deadline-s it measures after S seconds whatever is open by then.
//
// Trust the emulator's certificate with NODE_EXTRA_CA_CERTS=<pem>. GEMINI_API_KEY is used when
// set, else a placeholder key (the emulator takes any non-empty key). Exits 1 if any request
// failed.
import { GoogleGenAI } from '@google/genai';

function usage(message) {
  if (message) console.error(`driver.mjs: ${message}`);
  console.error('usage: node driver.mjs --base-url URL -n N -c C [--stream] [--words W] [--warmup K] [--image-width PX]\n' +
    '       node --expose-gc driver.mjs --base-url URL --idle-streams N [-c C] [--deadline-s S]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { baseUrl: '', n: 1000, c: 0, stream: false, words: 0, warmup: 0, idleStreams: 0, deadlineS: 0, imageWidth: 0 };
  const count = (flag, v, min = 1) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) usage(`${flag} wants an integer >= ${min}, got ${v}`);
    return x;
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} wants a value`));
    if (a === '--base-url') o.baseUrl = value();
    else if (a === '-n') o.n = count(a, value());
    else if (a === '-c') o.c = count(a, value());
    else if (a === '--stream') o.stream = true;
    else if (a === '--words') o.words = count(a, value());
    else if (a === '--warmup') o.warmup = count(a, value(), 0);
    else if (a === '--idle-streams') o.idleStreams = count(a, value());
    else if (a === '--deadline-s') o.deadlineS = count(a, value());
    else if (a === '--image-width') o.imageWidth = count(a, value());
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!o.baseUrl) usage('--base-url is required');
  if (!o.c && !o.idleStreams) o.c = 10;   // idle streams without -c: all opened at once
  return o;
}

const opt = parseArgs(process.argv.slice(2));
const idleHeaders = { 'x-emulator-stream-interval-ms': '60000', 'x-emulator-output-words': '20' };
const loadHeaders = {
  ...(opt.words && { 'x-emulator-output-words': String(opt.words) }),
  ...(opt.imageWidth && { 'x-emulator-image-width': String(opt.imageWidth) }),
};
const headers = opt.idleStreams ? idleHeaders : Object.keys(loadHeaders).length ? loadHeaders : undefined;
const ai = new GoogleGenAI({
  apiKey: process.env.GEMINI_API_KEY || 'bench-placeholder-key',
  httpOptions: { baseUrl: opt.baseUrl, apiVersion: 'v1beta', ...(headers && { headers }) },
});
const model = 'gemini-3.5-flash';
const request = { model, input: 'bench request', ...(opt.imageWidth && { response_format: { type: 'image' } }) };

// One unary create; returns the answer's text and its inline image's base64, if any.
async function createOnce() {
  const interaction = await ai.interactions.create(request);
  if (interaction.status !== 'completed') throw new Error(`status ${interaction.status}`);
  const blocks = (interaction.steps ?? []).flatMap((s) => (s.type === 'model_output' ? s.content ?? [] : []));
  return { text: interaction.output_text ?? '', image: blocks.find((b) => b.type === 'image')?.data };
}

// One streamed create, every event consumed; returns the text folded from the deltas and the
// image's base64 (an image comes whole in one delta).
async function streamOnce() {
  const stream = await ai.interactions.create({ ...request, stream: true });
  let text = '';
  let image;
  let status = '';
  for await (const event of stream) {
    ++events;
    if (event.event_type === 'step.delta' && event.delta?.type === 'text') text += event.delta.text;
    else if (event.event_type === 'step.delta' && event.delta?.type === 'image') image = event.delta.data;
    else if (event.event_type === 'interaction.completed') status = event.interaction?.status;
    else if (event.event_type === 'error') throw new Error(`stream error ${JSON.stringify(event.error)}`);
  }
  if (status !== 'completed') throw new Error(`stream ended with status '${status}'`);
  return { text, image };
}

// What gemini-bench checks of an image: decoded, a PNG of the size asked for (IHDR).
function checkImage(base64) {
  if (!base64) throw new Error('no inline image in the answer');
  const png = Buffer.from(base64, 'base64');
  const square = png.length >= 24 && png.readUInt32BE(16) === opt.imageWidth && png.readUInt32BE(20) === opt.imageWidth;
  if (!square) throw new Error(`the image is not ${opt.imageWidth} px square`);
  imageBytes += base64.length;
}

const one = opt.stream ? streamOnce : createOnce;
let latencies = [];
let errorSamples = new Map();
let errors = 0;
let events = 0;
let imageBytes = 0;
let next = 0;

function countError(e) {
  ++errors;
  let key = `${e?.constructor?.name ?? 'Error'}: ${e?.message ?? e}`;
  for (let cause = e?.cause; cause; cause = cause.cause) key += ` <- ${cause.code ?? ''} ${cause.message ?? cause}`;
  key = key.slice(0, 400);
  errorSamples.set(key, (errorSamples.get(key) ?? 0) + 1);
}

function printErrors() {
  console.log(`errors: ${errors}`);
  for (const [message, count] of errorSamples) console.log(`  ${count} x ${message}`);
}

function residentAfterGc() {
  globalThis.gc?.();
  return process.memoryUsage().rss;
}

// Opens opt.idleStreams slow streams, takes the first event of each and measures what holding
// them costs; the iterators stay referenced until the process exits.
async function holdIdleStreams() {
  const held = [];
  const rssBefore = residentAfterGc();
  const openOne = async (i) => {
    try {
      const stream = await ai.interactions.create({ model, input: `idle ${i}`, stream: true });
      const events = stream[Symbol.asyncIterator]();
      const first = await events.next();
      if (first.done) throw new Error('stream ended before its first event');
      held.push(events);
    } catch (e) {
      countError(e);
    }
  };
  let nextStream = 0;
  const opener = async () => {
    while (nextStream < opt.idleStreams) await openOne(nextStream++);
  };
  const openers = Math.min(opt.c || opt.idleStreams, opt.idleStreams);
  let timer;
  const allSettled = Promise.all(Array.from({ length: openers }, opener)).then(() => true);
  const deadline = new Promise((resolve) => {
    if (opt.deadlineS) timer = setTimeout(() => resolve(false), opt.deadlineS * 1000);
  });
  const settled = await Promise.race([allSettled, deadline]);
  clearTimeout(timer);
  const rssAfter = residentAfterGc();
  const pending = opt.idleStreams - held.length - errors;
  const mib = (bytes) => Math.round(bytes / 2 ** 20);
  console.log(`@google/genai interactions.create (stream), node ${process.version}` +
    (globalThis.gc ? '' : ' (no --expose-gc: garbage counted)'));
  console.log(`idle streams open: ${held.length} of ${opt.idleStreams}` +
    (settled ? '' : `, ${pending} still opening at the ${opt.deadlineS} s deadline`));
  console.log(`client RSS: ${mib(rssBefore)} MiB before, ${mib(rssAfter)} MiB with them open`);
  console.log(`resident memory per open stream: ` +
    (held.length ? `${((rssAfter - rssBefore) / 1024 / held.length).toFixed(1)} KiB` : 'n/a'));
  printErrors();
  process.exit(errors || pending ? 1 : 0);
}

async function worker(total) {
  while (next < total) {
    ++next;
    const t0 = process.hrtime.bigint();
    try {
      const { text, image } = await one();
      if (!text) throw new Error('answer has no text');
      if (opt.imageWidth) checkImage(image);
      if (opt.words && text.trim().split(/\s+/).length !== opt.words)
        throw new Error(`answer has ${text.trim().split(/\s+/).length} words, wanted ${opt.words}`);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } catch (e) {
      countError(e);
    }
  }
}

if (opt.idleStreams) await holdIdleStreams();

const run = (total) => Promise.all(Array.from({ length: Math.min(opt.c, total) }, () => worker(total)));
if (opt.warmup) {
  await run(opt.warmup);
  if (errors) console.log(`warm-up: ${errors} of ${opt.warmup} failed`);
  [latencies, errorSamples, errors, events, imageBytes, next] = [[], new Map(), 0, 0, 0, 0];
}
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await run(opt.n);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] : NaN;
const what = opt.stream ? 'streams' : 'creates';
console.log(`@google/genai interactions.create${opt.stream ? ' (stream)' : ''}, node ${process.version}`);
console.log(`${what}: ${opt.n} in ${seconds.toFixed(2)} s, concurrency ${opt.c}` +
  (opt.warmup ? `, after ${opt.warmup} uncounted` : ''));
console.log(`requests/s: ${(opt.n / seconds).toFixed(1)}`);
console.log(`latency ms: p50 ${pct(50).toFixed(2)}, p99 ${pct(99).toFixed(2)}`);
if (opt.stream)
  console.log(`events: ${events}, events/s ${(events / seconds).toFixed(0)},` +
    ` client CPU per event ${events ? ((cpuSeconds * 1e6) / events).toFixed(2) : 'n/a'} us`);
if (opt.imageWidth) {
  const mib = imageBytes / 2 ** 20;
  console.log(`image data: ${mib.toFixed(1)} MiB, MiB/s ${(mib / seconds).toFixed(1)},` +
    ` client CPU per MiB ${mib ? ((cpuSeconds * 1e3) / mib).toFixed(2) : 'n/a'} ms`);
}
console.log(
  `client CPU: ${cpuSeconds.toFixed(1)} s (user ${(cpu.user / 1e6).toFixed(1)}, system ${(cpu.system / 1e6).toFixed(1)}),` +
    ` per request ${((cpuSeconds * 1e6) / opt.n).toFixed(1)} us`);
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
printErrors();
process.exit(errors ? 1 : 0);
