// The drawing page of `digits serve`: plain JavaScript, no build step, no third-party code.
// It only draws and displays; every decision (normalizing, recognizing) is the server's.
"use strict";

const DEBOUNCE_MS = 200;        // live prediction waits this long after the last change
const INK = "#000";
const PAPER = "#fff";

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const overlay = $("overlay");
const ctx = pad.getContext("2d");

const state = {
  strokes: [],                  // each: {width, points: [{x, y}, ...]} in canvas pixels
  current: null,                // the stroke being drawn
  timer: null,
  seq: 0,                       // number of the latest request; older answers are ignored
  controller: null,             // aborts the previous request when a newer one starts
};

// ---- drawing ------------------------------------------------------------

function canvasPoint(event) {
  const rect = pad.getBoundingClientRect();
  return {
    x: (event.clientX - rect.left) * (pad.width / rect.width),
    y: (event.clientY - rect.top) * (pad.height / rect.height),
  };
}

function paintStroke(stroke) {
  const [first, ...rest] = stroke.points;
  ctx.strokeStyle = INK;
  ctx.fillStyle = INK;
  ctx.lineWidth = stroke.width;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  if (rest.length === 0) {      // a tap is a dot
    ctx.beginPath();
    ctx.arc(first.x, first.y, stroke.width / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.beginPath();
  ctx.moveTo(first.x, first.y);
  for (const p of rest) ctx.lineTo(p.x, p.y);
  ctx.stroke();
}

function repaint() {
  ctx.fillStyle = PAPER;
  ctx.fillRect(0, 0, pad.width, pad.height);
  for (const stroke of state.strokes) paintStroke(stroke);
}

function onPointerDown(event) {
  if (event.pointerType === "mouse" && event.button !== 0) return;
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  state.current = { width: Number($("brush").value), points: [canvasPoint(event)] };
  state.strokes.push(state.current);
  repaint();
  clearOverlay();
}

function onPointerMove(event) {
  if (!state.current) return;
  event.preventDefault();
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const e of events.length ? events : [event]) state.current.points.push(canvasPoint(e));
  repaint();                    // from scratch: the pixels match a repaint after undo exactly
  schedulePrediction();
}

function onPointerUp(event) {
  if (!state.current) return;
  event.preventDefault();
  state.current = null;
  schedulePrediction();
}

function undo() {
  state.strokes.pop();
  state.current = null;
  repaint();
  schedulePrediction();
}

function clearPad() {
  state.strokes = [];
  state.current = null;
  repaint();
  schedulePrediction();
}

// ---- talking to the server -----------------------------------------------

function apiUrl(path) {
  const model = $("model").value;
  return model ? `${path}?model=${encodeURIComponent(model)}` : path;
}

function schedulePrediction() {
  clearTimeout(state.timer);
  if (state.controller) state.controller.abort();
  state.seq += 1;
  if (state.strokes.length === 0) {
    showBlank();
    return;
  }
  setState("pending");
  const seq = state.seq;
  state.timer = setTimeout(() => predict(seq), DEBOUNCE_MS);
}

async function predict(seq) {
  const multi = $("multi").checked;
  const blob = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
  if (seq !== state.seq) return;
  const body = new FormData();
  body.append("file", blob, "drawing.png");
  state.controller = new AbortController();
  try {
    const answer = await postJson(apiUrl(multi ? "/v1/read" : "/v1/predict"), body, state.controller.signal);
    if (seq !== state.seq) return;  // a newer drawing is on its way
    if (multi) showReading(answer);
    else showPrediction(answer);
  } catch (error) {
    if (seq !== state.seq || error.name === "AbortError") return;
    showError(error.message);
  }
}

async function postJson(url, body, signal) {
  const response = await fetch(url, { method: "POST", body, signal });
  let answer = null;
  try {
    answer = await response.json();
  } catch (_) {
    throw new Error(`The server answered ${response.status} without JSON.`);
  }
  if (!response.ok) throw new Error(answer.detail || `The server answered ${response.status}.`);
  return answer;
}

async function loadModels() {
  const select = $("model");
  try {
    const response = await fetch("/v1/models");
    const { models } = await response.json();
    for (const m of models) {
      const option = document.createElement("option");
      option.value = m.name;
      const accuracy = m.test_accuracy == null ? "" : `, ${(100 * m.test_accuracy).toFixed(2)}% on MNIST test`;
      option.textContent = `${m.name} (${m.family}${accuracy})`;
      option.selected = m.default;
      select.append(option);
    }
  } catch (error) {
    showError(`Could not list the models: ${error.message}`);
  }
}

// ---- showing answers -----------------------------------------------------

function setState(name) {
  $("result").dataset.state = name;
}

function showBlank() {
  setState("blank");
  $("single").hidden = true;
  $("text").hidden = true;
  $("summary").textContent = "";
  $("error").textContent = "";
  clearOverlay();
}

function showError(message) {
  showBlank();
  setState("error");
  $("error").textContent = message;
}

function showPrediction(answer) {
  if (answer.image === null) {  // no ink found: nothing to show
    showBlank();
    return;
  }
  const best = answer.probabilities.indexOf(Math.max(...answer.probabilities));
  const percent = `${(100 * answer.confidence).toFixed(1)}%`;
  $("error").textContent = "";
  $("text").hidden = true;
  $("single").hidden = false;
  $("digit").textContent = answer.rejected ? "?" : String(answer.digit);
  $("confidence").textContent = percent;
  $("unsure").hidden = !answer.rejected;
  $("model-used").textContent = answer.model;
  $("summary").textContent = answer.rejected
    ? `Not sure: perhaps ${best} (${percent}).`
    : `It is a ${answer.digit} (${percent} sure).`;
  drawChart(answer.probabilities, best);
  drawSeen(answer.image);
  setState("shown");
}

function drawChart(probabilities, best) {
  const chart = $("chart");
  chart.replaceChildren(...probabilities.map((p, digit) => {
    const row = document.createElement("div");
    row.className = digit === best ? "bar top" : "bar";
    row.dataset.digit = String(digit);
    row.dataset.p = String(p);
    const label = document.createElement("span");
    label.textContent = String(digit);
    const track = document.createElement("span");
    track.className = "track";
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.width = `${(100 * p).toFixed(1)}%`;
    track.append(fill);
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = `${(100 * p).toFixed(1)}%`;
    row.append(label, track, value);
    return row;
  }));
  chart.setAttribute("aria-label", `Probabilities: ${probabilities.map((p, d) => `${d}: ${(100 * p).toFixed(0)}%`).join(", ")}`);
}

function drawSeen(rows) {
  const seen = $("seen").getContext("2d");
  const pixels = seen.createImageData(28, 28);
  rows.flat().forEach((v, i) => {
    pixels.data.set([v, v, v, 255], 4 * i);
  });
  seen.putImageData(pixels, 0, 0);
}

function showReading(answer) {
  $("error").textContent = "";
  $("single").hidden = true;
  clearOverlay();
  if (answer.digits.length === 0) {
    showBlank();
    return;
  }
  drawBoxes(overlay.getContext("2d"), answer.digits, 1);
  $("text").hidden = false;
  $("text").textContent = answer.text;
  $("summary").textContent = answer.text ? `It reads ${answer.text}.` : "Not sure of any digit.";
  setState("shown");
}

function clearOverlay() {
  overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
}

function drawBoxes(g, digits, scale) {
  const size = Math.max(14, Math.round(20 * scale));   // label height in pixels
  g.lineWidth = Math.max(2, 2 * scale);
  g.font = `bold ${size}px system-ui, sans-serif`;
  g.textBaseline = "bottom";
  for (const d of digits) {
    const [x, y, w, h] = d.box.map((v) => v * scale);
    const label = d.digit === null ? "?" : String(d.digit);
    const bottom = Math.max(y, size + 4);              // above the box, or inside it at the top edge
    g.strokeStyle = d.digit === null ? "#b35900" : "#1f6feb";
    g.strokeRect(x, y, w, h);
    g.fillStyle = g.strokeStyle;
    g.fillRect(x, bottom - size - 4, g.measureText(label).width + 8, size + 4);
    g.fillStyle = "#fff";
    g.fillText(label, x + 4, bottom - 2);
  }
}

// ---- photos --------------------------------------------------------------

async function readPhoto() {
  const file = $("upload").files[0];
  if (!file) return;
  const photo = $("photo");
  $("photo-error").textContent = "";
  $("photo-summary").textContent = "Reading…";
  photo.dataset.state = "pending";
  const body = new FormData();
  body.append("file", file, file.name);
  try {
    const answer = await postJson(apiUrl("/v1/read"), body);  // the server's message says what is wrong
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, 1000 / bitmap.width);
    photo.width = Math.round(bitmap.width * scale);
    photo.height = Math.round(bitmap.height * scale);
    const g = photo.getContext("2d");
    g.drawImage(bitmap, 0, 0, photo.width, photo.height);
    drawBoxes(g, answer.digits, scale);
    photo.dataset.boxes = JSON.stringify(answer.digits.map((d) => d.box));
    $("photo-summary").textContent = answer.digits.length
      ? `It reads ${answer.text || "nothing for sure"} (${answer.digits.length} digits found).`
      : "No digits found.";
    photo.dataset.state = "shown";
  } catch (error) {
    $("photo-summary").textContent = "";
    $("photo-error").textContent = error.message;
    photo.dataset.state = "error";
  }
}

// ---- wiring --------------------------------------------------------------

function onKey(event) {
  const typing = event.target instanceof HTMLInputElement && event.target.type !== "checkbox";
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z" && !typing) {
    event.preventDefault();
    undo();
  } else if (event.key === "Escape") {
    clearPad();
  }
}

function start() {
  pad.addEventListener("pointerdown", onPointerDown);
  pad.addEventListener("pointermove", onPointerMove);
  pad.addEventListener("pointerup", onPointerUp);
  pad.addEventListener("pointercancel", onPointerUp);
  pad.addEventListener("contextmenu", (event) => event.preventDefault());
  $("undo").addEventListener("click", undo);
  $("clear").addEventListener("click", clearPad);
  $("brush").addEventListener("input", () => { $("brush-value").textContent = $("brush").value; });
  $("multi").addEventListener("change", schedulePrediction);
  $("model").addEventListener("change", () => {
    schedulePrediction();
    if ($("upload").files.length) readPhoto();
  });
  $("upload").addEventListener("change", readPhoto);
  document.addEventListener("keydown", onKey);
  repaint();
  loadModels();
}

start();
