// The oblivious check in the browser: canonicalise, blind (RFC 9497, ristretto255-SHA512, by
// @noble/curves), ask the platform to evaluate, unblind, fetch the bucket, match locally.
// Build (bundled into static/privatecheck/oblivious.bundle.js, no CDN, nothing fetched at run
// time): see static_src/README.md.
import { ristretto255, ristretto255_oprf } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

const Point = ristretto255.Point;
const Fn = Point.Fn;
const enc = new TextEncoder();
const TAG_LABEL = enc.encode('KetenwachtOPRFTagV1');
const LEVELS = { 1: 'attention', 2: 'warning', 3: 'high', 4: 'under_review' };
const ALLOWLISTED = new Set([5, 6]);

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export function blind(message) {
  return ristretto255_oprf.oprf.blind(message);
}

export function unblind(blindScalar, evaluated) {
  const inverse = Fn.inv(Fn.fromBytes(blindScalar));
  return Point.fromBytes(evaluated).multiply(inverse).toBytes();
}

export function tagMaterial(element) {
  return sha512(concat(new Uint8Array([0, element.length]), element, TAG_LABEL));
}

function mod97(text) {
  let rest = 0;
  for (const ch of text) {
    const digits = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest;
}

// Only spellings whose canonical form is certain are checked here: Dutch IBANs and Dutch
// mobile numbers. Anything else goes to the plain check (the form is submitted as it is).
export function canonical(raw) {
  const compact = raw.replace(/[\s.\-()/]/g, '');
  const iban = compact.toUpperCase();
  // Dutch IBANs (NLkk BBBB 0123456789); foreign ones go to the plain check.
  if (/^NL[0-9]{2}[A-Z]{4}[0-9]{10}$/.test(iban) && mod97(iban.slice(4) + iban.slice(0, 4)) === 1) {
    return { kind: 'iban', value: iban };
  }
  const mobile = compact.replace(/^(\+31|0031)(0)?/, '0');
  if (/^06[1-5][0-9]{7}$/.test(mobile)) return { kind: 'phone', value: '+31' + mobile.slice(1) };
  return null;
}

async function call(url, options) {
  const response = await fetch(url, { credentials: 'omit', cache: 'no-store', ...options });
  if (!response.ok) {
    const error = new Error('HTTP ' + response.status);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

export async function checkPrivately(value, urls) {
  const found = canonical(value);
  if (!found) return null;
  const messages = [
    enc.encode(found.kind + ':' + found.value),
    concat(enc.encode('dummy:'), crypto.getRandomValues(new Uint8Array(16))),
  ];
  const blinded = messages.map(blind);
  const evaluation = await call(urls.evaluate, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ elements: blinded.map((b) => b64(b.blinded)) }),
  });
  const bits = evaluation.prefix_bits;
  const materials = blinded.map((b, i) => tagMaterial(unblind(b.blind, unb64(evaluation.evaluated[i]))));
  const numbers = materials.map((m) => ((m[0] << 8) | m[1]) >> (16 - bits));
  const buckets = {};
  for (const number of new Set(numbers)) {
    const url = urls.bucket.replace('/0?', '/' + number + '?');
    const answer = await call(`${url}key_version=${evaluation.key_version}&prefix_bits=${bits}`, {
      headers: { Accept: 'application/json' },
    });
    buckets[number] = { blob: unb64(answer.records), size: answer.record_size };
  }
  const { blob, size } = buckets[numbers[0]];
  const material = materials[0];
  const codes = new Set();
  for (let at = 0; at < blob.length; at += size) {
    let same = 0;
    for (let i = 0; i < 32; i++) same |= blob[at + i] ^ material[i];
    if (same === 0) codes.add(blob[at + 32] ^ material[32]);
  }
  const allowlisted = [...codes].some((c) => ALLOWLISTED.has(c));
  let level = 'none';
  if (!allowlisted) for (const c of [...codes].sort()) level = LEVELS[c] || level;
  return { kind: found.kind, level, allowlisted };
}

function show(form, result) {
  const box = document.getElementById('private-result');
  const texts = JSON.parse(document.getElementById('private-texts').textContent);
  const key = result.allowlisted ? 'allowlisted' : result.level;
  const text = texts[key];
  box.className = 'alert alert--' + text.style;
  box.querySelector('h2').textContent = text.title;
  box.querySelector('p').textContent = text.advice;
  box.hidden = false;
  box.dataset.level = result.level;
  box.focus();
}

function init() {
  const form = document.getElementById('private-check-form');
  if (!form) return;
  const urls = { evaluate: form.dataset.evaluateUrl, bucket: form.dataset.bucketUrl };
  form.addEventListener('submit', async (event) => {
    if (form.dataset.fallback === '1') return;
    const field = form.querySelector('[name=value]');
    if (!canonical(field.value)) return; // the plain check answers this one
    event.preventDefault();
    try {
      const result = await checkPrivately(field.value, urls);
      show(form, result);
    } catch (error) {
      form.dataset.fallback = '1'; // rate-limited or offline: let the plain check answer
      form.submit();
    }
  });
  form.dataset.ready = '1';
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
}
