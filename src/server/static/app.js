// The flowsql web UI: a jobs page and a job page with the operator graph, polling the REST API.
// Every value from the server is put into the page as text (never as HTML): job names and
// operator labels are user SQL.
"use strict";

const POLL_MS = 1000;
const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 250, NODE_H = 92, GAP_X = 70, GAP_Y = 26, PAD = 16;
let timer = null;

// -- token and routing (both in the address fragment: #token=...&job=...) -------------------
function fragment() {
  return new URLSearchParams(location.hash.replace(/^#/, ""));
}

function token() {
  const fromAddress = fragment().get("token");
  if (fromAddress) {
    sessionStorage.setItem("flowsql-token", fromAddress);
    const rest = fragment();
    rest.delete("token");
    history.replaceState(null, "", "#" + rest.toString());  // keep it out of the visible address
  }
  return sessionStorage.getItem("flowsql-token");
}

async function api(method, path) {
  const headers = {};
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;
  const response = await fetch(path, { method, headers });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) throw Object.assign(new Error("token"), { unauthorized: true });
  if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
  return body;
}

// -- formatting ---------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c === null || c === undefined ? "" : c);
  return node;
}

function number(x, digits) {
  if (x === null || x === undefined) return "–";
  return Number(x).toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 1 : digits });
}

function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  if (h) return `${h}h ${m}m ${s % 60}s`;
  if (m) return `${m}m ${s % 60}s`;
  return (ms / 1000).toFixed(1) + " s";
}

function statusBadge(status) {
  return el("span", { class: "status status-" + status }, status);
}

function show(id) {
  for (const section of ["token-form", "jobs-view", "job-view"]) {
    document.getElementById(section).hidden = section !== id;
  }
}

// -- jobs page ----------------------------------------------------------------------------
function renderJobs(document_) {
  const body = document.querySelector("#jobs tbody");
  const rows = document_.jobs.slice().reverse().map((job) => {
    const link = el("a", { href: "#job=" + encodeURIComponent(job.id) }, job.name);
    const cancel = job.status === "RUNNING" || job.status === "CREATED"
      ? el("button", { "data-cancel": job.id }, "Cancel") : "";
    const row = el("tr", { class: "job", "data-job-id": job.id },
      el("td", {}, link), el("td", { class: "mono" }, job.id), el("td", {}, statusBadge(job.status)), el("td", {}, job.start_time || "–"),
      el("td", {}, duration(job.duration_ms)), el("td", { class: "num" }, number(job.rows_per_second)),
      el("td", {}, cancel));
    row.addEventListener("click", (event) => {
      if (event.target.dataset.cancel) return;
      location.hash = "job=" + encodeURIComponent(job.id);
    });
    return row;
  });
  body.replaceChildren(...rows);
  document.getElementById("no-jobs").hidden = rows.length > 0;
  for (const button of body.querySelectorAll("button[data-cancel]")) {
    button.addEventListener("click", () => cancel(button.dataset.cancel));
  }
}

// -- job page -----------------------------------------------------------------------------
function layers(job) {
  // A node's column is the length of the longest path from a source to it.
  const depth = {};
  const inputs = {};
  for (const e of job.edges) (inputs[e.target] = inputs[e.target] || []).push(e.source);
  for (const n of job.nodes) {  // nodes come in topological order: inputs first
    depth[n.id] = Math.max(-1, ...(inputs[n.id] || []).map((s) => depth[s])) + 1;
  }
  return depth;
}

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function nodeLines(n) {
  const m = n.metrics;
  if (!m) return [`changelog [${n.changelog_mode}]`, "no runtime operator"];
  const lines = [`changelog [${n.changelog_mode}] · busy ${Math.round(m.busy * 100)}%`,
    `in ${number(m.rows_in_per_second)}/s · out ${number(m.rows_out_per_second)}/s`];
  if (m.watermark_text) {
    lines.push(`wm ${m.watermark_text}` + (m.watermark_lag_ms !== null ? ` (lag ${duration(m.watermark_lag_ms)})` : ""));
  } else {
    lines.push(`rows ${number(m.rows_in, 0)} → ${number(m.rows_out, 0)} · state ${number(m.state_size, 0)}`);
  }
  return lines;
}

function renderGraph(job) {
  const svg = document.getElementById("graph");
  const depth = layers(job);
  const perLayer = {};
  const place = {};
  for (const n of job.nodes) {
    const d = depth[n.id];
    const row = perLayer[d] = (perLayer[d] || 0) + 1;
    place[n.id] = { x: PAD + d * (NODE_W + GAP_X), y: PAD + (row - 1) * (NODE_H + GAP_Y) };
  }
  const width = PAD * 2 + (Math.max(0, ...Object.values(depth)) + 1) * (NODE_W + GAP_X) - GAP_X;
  const height = PAD * 2 + Math.max(1, ...Object.values(perLayer)) * (NODE_H + GAP_Y) - GAP_Y;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const parts = [];
  const defs = svgEl("defs");
  const marker = svgEl("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
    markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
  marker.append(svgEl("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8a94a6" }));
  defs.append(marker);
  parts.push(defs);
  for (const e of job.edges) {
    const a = place[e.source], b = place[e.target];
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2, mid = (x1 + x2) / 2;
    parts.push(svgEl("path", { class: "edge", d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`,
      "marker-end": "url(#arrow)", "data-source": e.source, "data-target": e.target }));
  }
  for (const n of job.nodes) {
    const m = n.metrics || {};
    const classes = ["node", "bp-" + (m.backpressure || "OK")];
    if (m.idle) classes.push("idle");
    const g = svgEl("g", { class: classes.join(" "), "data-node-id": n.id,
      transform: `translate(${place[n.id].x}, ${place[n.id].y})` });
    g.append(svgEl("title", {}, n.label));
    g.append(svgEl("rect", { width: NODE_W, height: NODE_H, rx: 6 }));
    const short = n.name.replace("default_catalog.default_database.", "");
    const name = short.length > 34 ? short.slice(0, 33) + "…" : short;
    g.append(svgEl("text", { class: "title", x: 10, y: 20 }, name));
    nodeLines(n).forEach((line, i) => {
      g.append(svgEl("text", { class: i === 0 ? "mode" : "", x: 10, y: 40 + i * 17 }, line));
    });
    parts.push(g);
  }
  svg.replaceChildren(...parts);
}

function renderOperators(job) {
  const rows = job.nodes.map((n) => {
    const m = n.metrics || {};
    return el("tr", { "data-node-id": n.id },
      el("td", { title: n.label }, n.name), el("td", {}, n.changelog_mode),
      el("td", { class: "num" }, number(m.rows_in, 0)), el("td", { class: "num" }, number(m.rows_out, 0)),
      el("td", { class: "num" }, number(m.rows_in_per_second)), el("td", { class: "num" }, number(m.rows_out_per_second)),
      el("td", {}, m.watermark_text || "–"),
      el("td", { class: "num" }, m.watermark_lag_ms === null || m.watermark_lag_ms === undefined ? "–" : duration(m.watermark_lag_ms)),
      el("td", {}, m.backpressure ? el("span", { class: "bp bp-" + m.backpressure }, m.backpressure) : "–",
        m.idle ? " idle" : ""),
      el("td", { class: "num" }, m.busy === undefined ? "–" : Math.round(m.busy * 100) + "%"),
      el("td", { class: "num" }, number(m.state_size, 0)));
  });
  document.querySelector("#operators tbody").replaceChildren(...rows);
}

function renderJob(job) {
  document.getElementById("job-name").textContent = job.name;
  document.getElementById("job-status").replaceChildren(statusBadge(job.status));
  document.getElementById("job-id").textContent = job.id;
  document.getElementById("job-start").textContent = job.start_time || "–";
  document.getElementById("job-duration").textContent = duration(job.duration_ms);
  document.getElementById("job-rate").textContent = number(job.rows_per_second);
  document.getElementById("job-restarts").textContent = job.restarts ? `· ${job.restarts} restarts` : "";
  const cancelButton = document.getElementById("job-cancel");
  cancelButton.hidden = !(job.status === "RUNNING" || job.status === "CREATED");
  cancelButton.onclick = () => cancel(job.id);
  const error = document.getElementById("job-error");
  error.hidden = !job.error;
  error.textContent = job.error ? job.error.text : "";
  renderGraph(job);
  renderOperators(job);
  const box = document.getElementById("checkpoints");
  box.hidden = !job.checkpoints;
  if (job.checkpoints) {
    box.querySelector("tbody").replaceChildren(...Object.entries(job.checkpoints).map(([k, v]) =>
      el("tr", {}, el("th", {}, k), el("td", {}, typeof v === "object" ? JSON.stringify(v) : String(v)))));
  }
}

// -- the loop -----------------------------------------------------------------------------
async function cancel(id) {
  try {
    await api("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`);
  } catch (error) {
    document.getElementById("status-line").textContent = "cancel failed: " + error.message;
  }
  refresh();
}

async function refresh() {
  clearTimeout(timer);
  const jobId = fragment().get("job");
  try {
    if (jobId) {
      renderJob(await api("GET", "/v1/jobs/" + encodeURIComponent(jobId)));
      show("job-view");
    } else {
      renderJobs(await api("GET", "/v1/jobs"));
      show("jobs-view");
    }
    document.getElementById("status-line").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (error) {
    if (error.unauthorized) {
      sessionStorage.removeItem("flowsql-token");
      show("token-form");
      return;  // no polling until a token is given
    }
    document.getElementById("status-line").textContent = error instanceof TypeError
      ? "cannot reach the server" : error.message;  // fetch rejects with a TypeError when offline
  }
  timer = setTimeout(refresh, POLL_MS);
}

document.querySelector("#token-form form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("flowsql-token", document.getElementById("token-input").value);
  refresh();
});
window.addEventListener("hashchange", refresh);
token();
refresh();
