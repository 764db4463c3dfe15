// The scanner's page: trusts the issuer key (?key=issuer.pub, PEM) or pins a root key
// (?root=root.pub with ?trust=list and optionally ?revocations=list, as published), reads
// the camera through getUserMedia (a file picker when there is none), decodes each frame
// with the module's decoder, verifies offline at the device's clock and shows a large
// verdict with the reason from the shared error table, in the page's language.
import init, { Scanner, TrustScanner, decodeFrame } from './pkg/qrseal_wasm.js';
import { t, lang } from './i18n.js';

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const now = () => Math.floor(Date.now() / 1000);
const state = window.qrsealScanner = { ready: false, verdict: null, text: null, error: null };

await init({ module_or_path: new URL('./pkg/qrseal_wasm_bg.wasm', import.meta.url) });
$('title').textContent = t('scannerTitle');
$('pick').textContent = t('pickFile');

const fetchBytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
let scanner;
if (params.get('root')) {
  scanner = TrustScanner.fromPem(await (await fetch(params.get('root'))).text());
  scanner.loadTrustList(await fetchBytes(params.get('trust')), now());
  if (params.get('revocations')) {
    scanner.loadRevocations(await fetchBytes(params.get('revocations')), now());
  }
} else {
  scanner = new Scanner();
  scanner.addKeyPem(await (await fetch(params.get('key'))).text());
}

function showVerdict(text) {
  const verdict = scanner.verify(text, now());
  state.text = text;
  state.verdict = { admitted: verdict.admitted, code: verdict.error?.code ?? verdict.denials[0]?.code ?? null };
  const reason = verdict.error ?? verdict.denials[0];
  $('verdict').dataset.admitted = String(verdict.admitted);
  $('verdict').textContent = verdict.admitted ? t('valid') : verdict.valid ? t('denied') : t('invalid');
  $('reason').textContent = reason ? (lang === 'zh' ? reason.messageZh : reason.message) : '';
  $('reason').dataset.code = reason ? reason.code : '';
  $('hint').textContent = verdict.claims?.displayHint ?? '';
}

const canvas = $('canvas');
const context = canvas.getContext('2d', { willReadFrequently: true });
function decode(source, width, height) {
  canvas.width = width;
  canvas.height = height;
  context.drawImage(source, 0, 0, width, height);
  const pixels = context.getImageData(0, 0, width, height).data;
  try {
    return decodeFrame(width, height, new Uint8Array(pixels.buffer), true);
  } catch (e) {
    state.error = e.code;
    return null;
  }
}

$('file').addEventListener('change', async () => {
  const file = $('file').files[0];
  if (!file) return;
  const bitmap = await createImageBitmap(file);
  const text = decode(bitmap, bitmap.width, bitmap.height);
  if (text) showVerdict(text);
  else $('reason').textContent = state.error;
});

try {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, facingMode: 'environment' } });
  const video = $('video');
  video.srcObject = stream;
  $('prompt').textContent = t('camera');
  let last = null;
  const scan = () => {
    if (video.videoWidth) {
      const text = decode(video, video.videoWidth, video.videoHeight);
      // Show each new code once; the same code in the next frames keeps its verdict.
      if (text && text !== last) {
        last = text;
        showVerdict(text);
      }
    }
    setTimeout(scan, 150);
  };
  scan();
} catch (e) {
  $('prompt').textContent = t('noCamera');
}
state.ready = true;
