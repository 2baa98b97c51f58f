// The mp3converter page: sign in, upload with progress, a live list of the user's jobs (Server-Sent
// Events read with fetch, since EventSource cannot send the Authorization header), play, download, delete.
// The token lives in sessionStorage and travels only in the Authorization header: no cookie, so no CSRF.
// Every user string is set with textContent, never as HTML.
'use strict';

const TOKEN_KEY = 'mp3converter.token';
const EMAIL_KEY = 'mp3converter.email';
const $ = (id) => document.getElementById(id);
let stream = null;
const rows = new Map();

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function show(text, info) {
  const box = $('message');
  box.textContent = text;
  box.className = info ? 'info' : '';
  box.hidden = !text;
}

async function reason(response) {
  try { return (await response.json()).error || response.statusText; } catch (e) { return response.statusText; }
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers, token() ? { Authorization: 'Bearer ' + token() } : {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401 && token()) {
    signOut('Your session ended; please sign in again.');
  }
  return response;
}

// ---- signing in and out ----------------------------------------------------------------------

async function signIn(email, password) {
  const response = await fetch('/login', { method: 'POST', headers: { Authorization: 'Basic ' + btoa(email + ':' + password) } });
  if (!response.ok) {
    throw new Error(response.status === 401 ? 'Wrong email or password.' : await reason(response));
  }
  sessionStorage.setItem(TOKEN_KEY, (await response.text()).trim());
  sessionStorage.setItem(EMAIL_KEY, email);
  enter();
}

async function signUp(email, password) {
  const response = await fetch('/users', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }) });
  if (!response.ok && response.status !== 409) {
    throw new Error(await reason(response));
  }
  await signIn(email, password);
}

function signOut(text) {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(EMAIL_KEY);
  if (stream) { stream.abort(); stream = null; }
  rows.clear();
  $('jobs').replaceChildren();
  $('signed-in').hidden = true;
  $('who').hidden = true;
  $('signed-out').hidden = false;
  show(text || '', true);
}

function enter() {
  $('signed-out').hidden = true;
  $('signed-in').hidden = false;
  $('who').hidden = false;
  $('who-email').textContent = sessionStorage.getItem(EMAIL_KEY) || '';
  show('');
  loadJobs().then(listen);
}

// ---- the job list ----------------------------------------------------------------------------

async function loadJobs() {
  const response = await api('/jobs?size=100');
  if (!response.ok) { show(await reason(response)); return; }
  const page = await response.json();
  page.jobs.slice().reverse().forEach(render);
  $('no-jobs').hidden = rows.size > 0;
}

function duration(seconds) {
  return seconds < 60 ? Math.max(1, Math.round(seconds)) + ' s' : Math.round(seconds / 60) + ' min';
}

function statusText(job) {
  switch (job.status) {
    case 'QUEUED': return job.queuePosition ? 'Waiting (' + job.queuePosition + ' in the queue'
      + (job.startsInSeconds != null ? ', starts in about ' + duration(job.startsInSeconds) : '') + ')' : 'Waiting';
    case 'CONVERTING': return 'Converting ' + (job.progress || 0) + ' %';
    case 'DONE': return 'Ready' + (job.durationSeconds ? ' (' + Math.round(job.durationSeconds) + ' s)' : '');
    case 'FAILED': return 'Failed: ' + (job.reason || 'the conversion failed');
    case 'CANCELLED': return 'Cancelled';
    default: return job.status;
  }
}

function render(job) {
  let row = rows.get(job.jobId);
  if (!row) {
    row = document.createElement('li');
    row.className = 'job';
    row.dataset.jobId = job.jobId;
    const name = document.createElement('div');
    name.className = 'name';
    const status = document.createElement('div');
    status.className = 'status';
    const bar = document.createElement('progress');
    bar.max = 100;
    const actions = document.createElement('div');
    row.append(name, status, bar, actions);
    $('jobs').prepend(row);
    rows.set(job.jobId, row);
  }
  const state = Object.assign(row.job || {}, job);
  row.job = state;
  row.querySelector('.name').textContent = state.originalFilename || state.jobId;
  const status = row.querySelector('.status');
  status.textContent = statusText(state);
  status.classList.toggle('failed', state.status === 'FAILED');
  const bar = row.querySelector('progress');
  bar.hidden = state.status !== 'CONVERTING';
  bar.value = state.progress || 0;
  bar.setAttribute('aria-label', 'Progress of ' + (state.originalFilename || 'the job'));
  renderActions(row, state);
  $('no-jobs').hidden = true;
}

function button(text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

function renderActions(row, job) {
  const actions = row.querySelector('div:last-child');
  if (actions.dataset.status === job.status) { return; }
  actions.dataset.status = job.status;
  const name = job.originalFilename || 'the job';
  const buttons = [];
  if (job.status === 'DONE') {
    buttons.push(button('Play', 'Play ' + name, () => play(row, job)));
    buttons.push(button('Download', 'Download ' + name, () => download(job)));
  }
  if (job.status === 'QUEUED' || job.status === 'CONVERTING') {
    buttons.push(button('Cancel', 'Cancel ' + name, () => cancel(job)));
  }
  buttons.push(button('Delete', 'Delete ' + name, () => remove(row, job)));
  actions.replaceChildren(...buttons);
}

async function mp3(job) {
  const response = await api('/jobs/' + encodeURIComponent(job.jobId) + '/mp3');
  if (!response.ok) { throw new Error(await reason(response)); }
  const disposition = response.headers.get('Content-Disposition') || '';
  const utf8 = /filename\*=UTF-8''([^;]+)/.exec(disposition);
  return { blob: await response.blob(), name: utf8 ? decodeURIComponent(utf8[1]) : 'audio.mp3' };
}

// A fresh signed link to the MP3 (the job's links.oneClick), which <audio> can fetch without a header.
async function oneClickLink(job) {
  const response = await api('/jobs/' + encodeURIComponent(job.jobId));
  if (!response.ok) { throw new Error(await reason(response)); }
  return (await response.json()).links.oneClick;
}

async function play(row, job) {
  try {
    let audio = row.querySelector('audio');
    if (!audio) {
      audio = document.createElement('audio');
      audio.controls = true;
      audio.setAttribute('aria-label', 'Player for ' + (job.originalFilename || 'the MP3'));
      audio.src = await oneClickLink(job); // streamed by Range requests, no token needed
      row.append(audio);
    }
    await audio.play();
  } catch (e) { show(e.message); }
}

async function download(job) {
  try {
    const file = await mp3(job);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(file.blob);
    link.download = file.name;
    document.body.append(link);
    link.click();
    link.remove();
  } catch (e) { show(e.message); }
}

async function cancel(job) {
  const response = await api('/jobs/' + encodeURIComponent(job.jobId) + '/cancel', { method: 'POST' });
  if (response.ok) { render(await response.json()); } else { show(await reason(response)); }
}

async function remove(row, job) {
  const response = await api('/jobs/' + encodeURIComponent(job.jobId), { method: 'DELETE' });
  if (response.ok || response.status === 404) {
    row.remove();
    rows.delete(job.jobId);
    $('no-jobs').hidden = rows.size > 0;
  } else {
    show(await reason(response));
  }
}

// ---- live updates: GET /jobs/events ----------------------------------------------------------

async function listen() {
  if (stream || !token()) { return; }
  stream = new AbortController();
  try {
    const response = await api('/jobs/events', { headers: { Accept: 'text/event-stream' }, signal: stream.signal });
    if (!response.ok) { throw new Error(await reason(response)); }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) { break; }
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('');
        if (data) { update(JSON.parse(data)); }
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') { return; }
  }
  stream = null;
  if (token()) { setTimeout(() => loadJobs().then(listen), 2000); } // reconnect, with what was missed
}

function update(event) {
  if (event.type === 'PING' || !event.jobId) { return; }
  const status = { STARTED: 'CONVERTING', PROGRESS: 'CONVERTING', DONE: 'DONE', FAILED: 'FAILED' }[event.type];
  if (!rows.has(event.jobId)) { loadJobs(); return; }
  render({ jobId: event.jobId, status, progress: event.type === 'STARTED' ? 0 : event.progress, reason: event.reason,
    mp3Id: event.mp3Id, durationSeconds: event.durationSeconds, queuePosition: null, startsInSeconds: null });
}

// ---- uploads ---------------------------------------------------------------------------------

function options() {
  const query = new URLSearchParams($('quality').value);
  if ($('start').value) { query.set('start', $('start').value); }
  if ($('end').value) { query.set('end', $('end').value); }
  return query.toString();
}

function upload(file) {
  const item = document.createElement('li');
  item.className = 'upload';
  const name = document.createElement('div');
  name.className = 'name';
  name.textContent = file.name;
  const bar = document.createElement('progress');
  bar.max = file.size || 1;
  bar.value = 0;
  bar.setAttribute('aria-label', 'Upload of ' + file.name);
  const status = document.createElement('div');
  status.className = 'status';
  status.textContent = 'Uploading';
  const xhr = new XMLHttpRequest();
  const cancel = button('Cancel', 'Cancel the upload of ' + file.name, () => xhr.abort());
  item.append(name, bar, status, cancel);
  $('uploads').append(item);

  xhr.open('PUT', '/videos/' + encodeURIComponent(file.name) + '?' + options());
  xhr.setRequestHeader('Authorization', 'Bearer ' + token());
  xhr.upload.addEventListener('progress', (e) => { bar.value = e.loaded; });
  xhr.addEventListener('load', () => {
    if (xhr.status === 202) {
      item.remove();
      const job = JSON.parse(xhr.responseText);
      render(Object.assign(job, { originalFilename: job.originalFilename || file.name }));
    } else {
      let text = xhr.statusText;
      try { text = JSON.parse(xhr.responseText).error || text; } catch (e) { /* not JSON */ }
      status.textContent = 'Refused: ' + text;
      status.classList.add('failed');
      cancel.remove();
    }
  });
  xhr.addEventListener('abort', () => { status.textContent = 'Cancelled'; cancel.remove(); });
  xhr.addEventListener('error', () => { status.textContent = 'The upload failed (connection lost).'; status.classList.add('failed'); });
  xhr.send(file);
}

// ---- wiring ----------------------------------------------------------------------------------

function wire() {
  $('sign-in').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('email').value.trim(), $('password').value).catch((err) => show(err.message));
  });
  $('sign-up-button').addEventListener('click', () => {
    if (!$('sign-in').reportValidity()) { return; }
    signUp($('email').value.trim(), $('password').value).catch((err) => show(err.message));
  });
  $('sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('upload').addEventListener('submit', (e) => {
    e.preventDefault();
    const files = Array.from($('files').files);
    if (files.length === 0) { show('Choose or drop one or more videos first.'); return; }
    show('');
    files.forEach(upload);
    $('files').value = '';
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    Array.from(e.dataTransfer.files).forEach(upload);
  });
  if (token()) { enter(); }
}

wire();
