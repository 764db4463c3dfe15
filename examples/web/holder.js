// The holder's page: keeps its token in local storage, draws it offline, and fetches a new
// one only at the token's refresh time (qrseal-core's rule, from readToken), from the URL
// given as ?token-url=... (POST; the service answers {"qr", "url", "expires_at",
// "refresh_at"}). A failed fetch keeps the valid token on screen; a 503 is retried after
// its Retry-After plus jitter, other failures with a jittered exponential backoff.
import init, { readToken, renderSvg } from './pkg/qrseal_wasm.js';
import { t, span } from './i18n.js';

const STORAGE_KEY = 'qrseal.token';
const params = new URLSearchParams(location.search);
const tokenUrl = params.get('token-url');
const credential = params.get('credential');
const $ = (id) => document.getElementById(id);
const now = () => Math.floor(Date.now() / 1000);

// Visible to tests and to a wrapping app.
const state = window.qrsealHolder = { token: null, claims: null, nextAttemptAt: null, failures: 0, lastError: null, fetchedAt: null };

await init({ module_or_path: new URL('./pkg/qrseal_wasm_bg.wasm', import.meta.url) });
$('title').textContent = t('holderTitle');

function show(token) {
  let claims;
  try {
    claims = readToken(token);
  } catch (e) {
    state.lastError = e.code;
    return false;
  }
  state.token = token;
  state.claims = claims;
  $('qr').innerHTML = renderSvg(token, 8, true);
  $('qr').dataset.token = token;
  $('colour').textContent = t(claims.colour);
  $('colour').dataset.colour = claims.colour;
  $('hint').textContent = claims.displayHint ?? '';
  $('expiry').textContent = `${t('expires')} ${new Date(claims.expiresAt * 1000).toLocaleString()}`;
  return true;
}

/** Seconds to wait after the n-th consecutive failure: 30 s doubling to 15 min, +-25%. */
function backoff(failures) {
  const base = Math.min(30 * 2 ** (failures - 1), 900);
  return base * (0.75 + Math.random() * 0.5);
}

async function refresh() {
  state.nextAttemptAt = null;
  $('status').textContent = t('refreshing');
  let wait;
  try {
    const headers = credential ? { Authorization: `Bearer ${credential}` } : {};
    const response = await fetch(tokenUrl, { method: 'POST', headers });
    if (response.ok) {
      const body = await response.json();
      if (show(body.qr)) {
        localStorage.setItem(STORAGE_KEY, body.qr);
        state.fetchedAt = now();
        state.failures = 0;
        schedule();
        return;
      }
      state.failures++;
      wait = backoff(state.failures);
    } else {
      state.failures++;
      state.lastError = `http ${response.status}`;
      const retryAfter = Number(response.headers.get('Retry-After'));
      // The service spreads its Retry-After already; the page adds up to half again, so
      // that holders turned away together do not come back together.
      wait = response.status === 503 && retryAfter > 0
        ? retryAfter * (1 + Math.random() * 0.5)
        : backoff(state.failures);
    }
  } catch (e) {
    state.failures++;
    state.lastError = String(e);
    wait = backoff(state.failures);
  }
  state.nextAttemptAt = now() + Math.ceil(wait);
  setTimeout(refresh, Math.ceil(wait) * 1000);
  tick();
}

// At most one successful fetch every 5 minutes, even when a token's refresh time has
// passed already (a phone clock set ahead would otherwise fetch in a loop).
const MIN_GAP = 300;

function schedule() {
  const due = Math.max(state.claims ? state.claims.refreshAt : now(), (state.fetchedAt ?? -Infinity) + MIN_GAP);
  state.nextAttemptAt = due;
  setTimeout(refresh, Math.max(0, due - now()) * 1000);
  tick();
}

function tick() {
  const c = state.claims;
  if (!c) {
    $('status').textContent = t('noToken');
  } else if (now() >= c.expiresAt) {
    $('status').textContent = t('expired');
  } else if (state.failures > 0 && state.nextAttemptAt) {
    $('status').textContent = `${t('retryIn')} ${span(state.nextAttemptAt - now())}`;
  } else if (state.nextAttemptAt) {
    $('status').textContent = `${t('refreshIn')} ${span(state.nextAttemptAt - now())}`;
  }
}

const stored = localStorage.getItem(STORAGE_KEY);
if (!(stored && show(stored))) state.token = null;
if (tokenUrl) schedule();
setInterval(tick, 1000);
tick();
state.ready = true;
