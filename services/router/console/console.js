// The RopeKV web console (docs/console.md). Plain JS, no framework: polls the
// router's JSON API (same origin) with ETags and redraws what changed.
//   GET /v1/cluster                  every second: nodes, the rope, moves
//   GET /v1/tables, /v1/hooks        every 3 s
//   GET /v1/tables/{t}/indexes       every 3 s, for tables that have indexes
// A 304 (If-None-Match matched) costs no redraw. Test hooks: data-segment-count
// on #rope, data-node-count on #nodes, data-ready on <body>.
"use strict";

const CLUSTER_EVERY_MS = 1000;
const CATALOG_EVERY_MS = 3000;
const FRESH_MS = 8000;  // how long a new segment stays highlighted

const state = {
  etags: new Map(),        // path -> {etag, body}
  cluster: null,
  tables: [],
  hooks: [],
  indexes: new Map(),      // table -> [index...]
  knownSegments: null,     // Map id -> epoch of the last drawn layout (null: none yet)
  fresh: new Map(),        // segment id -> time it appeared
  selected: null,          // selected segment id
  changes: [],             // layout changes seen, newest first
  inspected: null,         // {table, partition} of the last inspection
};

// ---------- small helpers ----------

function $(id) { return document.getElementById(id); }

/** el("td", {class: "num"}, "12") — children are nodes or text (never HTML). */
function el(tag, attrs = {}, ...children) {
  const svg = ["svg", "rect", "g", "text", "title", "line"].includes(tag);
  const e = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function fmtBytes(n) {
  if (!Number.isFinite(n)) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; ++i; }
  return (i === 0 ? String(n) : n.toFixed(1)) + " " + units[i];
}
function fmtRate(x) { return Number.isFinite(x) ? x.toFixed(1) : "-"; }
function fmtNum(n) { return Number.isFinite(n) ? n.toLocaleString("en") : "-"; }
function fmtTime(ms) { return ms ? new Date(ms).toLocaleTimeString() : "-"; }

class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error;
    super(e ? `${status} ${e.code}: ${e.message}` : `HTTP ${status}`);
    this.status = status;
    this.code = e ? e.code : "";
    // Auth on (docs/security.md): ask for a token on 401 (a 403 keeps the form
    // visible so another token can be pasted).
    if (status === 401 || status === 403) $("auth-form").hidden = false;
  }
}

// ---------- bearer token ----------
// The token the user pastes is kept in this tab's sessionStorage only (gone
// when the tab closes) and sent with every API call.
const TOKEN_KEY = "ropekv.token";
function withToken(headers = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
}

/** GET with the last ETag of `path`; {changed, body}. A 304 gives the cached body. */
async function getJSON(path) {
  const cached = state.etags.get(path);
  const headers = withToken(cached ? { "If-None-Match": cached.etag } : {});
  // no-store: the browser cache must not answer for us (we want to see the 304).
  const r = await fetch(path, { headers, cache: "no-store" });
  if (r.status === 304 && cached) return { changed: false, body: cached.body };
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body);
  const etag = r.headers.get("ETag");
  if (etag) state.etags.set(path, { etag, body });
  return { changed: true, body };
}

function setStatus(kind, text) {
  const s = $("status");
  s.dataset.state = kind;
  s.textContent = text;
}

// ---------- colours ----------

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
function nodeColour(id) {
  if (!id) return "#c8ccd2";  // no leader known
  if (id <= PALETTE.length) return PALETTE[id - 1];
  return `hsl(${(id * 137.508) % 360}, 55%, 55%)`;
}

// ---------- the rope ----------

function orderedSegments(cluster) {
  // Hex of byte strings sorts as the bytes do; the end of the rope is "" (unbounded).
  return [...cluster.segments].sort((a, b) => (a.start_key < b.start_key ? -1 : a.start_key > b.start_key ? 1 : 0));
}

function noteLayoutChange(segments, now) {
  const current = new Map(segments.map((s) => [s.id, s.epoch]));
  if (state.knownSegments) {
    const added = segments.filter((s) => !state.knownSegments.has(s.id)).map((s) => s.id);
    const removed = [...state.knownSegments.keys()].filter((id) => !current.has(id));
    const rebased = segments.filter((s) => state.knownSegments.has(s.id) && state.knownSegments.get(s.id) !== s.epoch).map((s) => s.id);
    for (const id of added) state.fresh.set(id, now);
    if (added.length || removed.length || rebased.length) {
      const parts = [];
      if (added.length) parts.push(`new ${added.join(", ")}`);
      if (removed.length) parts.push(`gone ${removed.join(", ")}`);
      if (rebased.length) parts.push(`epoch changed ${rebased.join(", ")}`);
      state.changes.unshift({ at: now, text: `rope v${state.cluster.rope_version}: ${segments.length} segments (${parts.join("; ")})` });
      state.changes.length = Math.min(state.changes.length, 8);
    }
  }
  state.knownSegments = current;
  for (const [id, t] of state.fresh) if (now - t > FRESH_MS) state.fresh.delete(id);
}

function segmentWeights(segments, mode) {
  const value = (s) => (mode === "bytes" ? s.stats.bytes : mode === "items" ? s.stats.items : 1);
  const total = segments.reduce((sum, s) => sum + value(s), 0);
  if (mode === "equal" || total <= 0) return segments.map(() => 1 / segments.length);
  return segments.map((s) => value(s) / total);
}

function drawRope() {
  const svg = $("rope");
  const cluster = state.cluster;
  const segments = orderedSegments(cluster);
  const width = Math.max(300, svg.clientWidth || 1000);
  const height = 96;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren();
  svg.dataset.segmentCount = String(segments.length);
  svg.dataset.ropeVersion = String(cluster.rope_version);
  const n = segments.length;
  if (n === 0) {
    svg.append(el("text", { x: 8, y: 40, class: "table-label" }, "no segments"));
    return;
  }
  // Half the width is shared equally (so small and empty segments stay visible and
  // a split shows), the other half by weight (bytes or items).
  const minW = width / n / 2;
  const spare = width - minW * n;
  const weights = segmentWeights(segments, $("width-mode").value);
  const segTop = 8, segH = 56, bandTop = 70, bandH = 20;
  const moving = new Map((cluster.moves || []).map((m) => [m.segment, m]));
  let x = 0;
  let band = null;
  const bands = [];
  segments.forEach((s, i) => {
    const w = minW + spare * weights[i];
    const classes = ["seg"];
    if (state.fresh.has(s.id)) classes.push("fresh");
    if (state.selected === s.id) classes.push("selected");
    const move = moving.get(s.id);
    if (move) classes.push("moving");
    const rect = el("rect", {
      x: x.toFixed(2), y: segTop, width: Math.max(w, 0.5).toFixed(2), height: segH,
      fill: nodeColour(s.leader_hint), class: classes.join(" "),
      "data-segment-id": s.id, "data-table": s.table || "", "data-leader": s.leader_hint,
      onclick: () => { state.selected = s.id; drawRope(); showSegment(s); },
    }, el("title", {}, `segment ${s.id}${s.table ? " (" + s.table + ")" : ""}, epoch ${s.epoch}\n` +
      `leader ${s.leader_hint || "?"}, replicas ${s.replicas.join(",") || "none"}\n` +
      `${fmtBytes(s.stats.bytes)}, ${fmtNum(s.stats.items)} items\n[${s.start_key}, ${s.end_key || "∞"})`));
    svg.append(rect);
    if (move) {
      // A replica on its way: a strip along the bottom fills as it catches up.
      const pct = Math.min(1, move.progress || 0);
      svg.append(el("rect", { x: x.toFixed(2), y: segTop + segH - 5, width: Math.max(w, 0.5).toFixed(2), height: 5, class: "move-track" }));
      svg.append(el("rect", {
        x: x.toFixed(2), y: segTop + segH - 5, width: Math.max(w * pct, 0).toFixed(2), height: 5, class: "move-fill",
        "data-move-segment": s.id, "data-progress": pct.toFixed(3),
      }, el("title", {}, `moving ${move.from_node || "-"} → ${move.to_node || "-"} (${move.kind}): ${(100 * pct).toFixed(0)}%`)));
    }
    if (w >= 28) svg.append(el("text", { x: (x + 3).toFixed(2), y: segTop + 14, class: "seg-label" }, `#${s.id}`));
    const table = s.table || "";
    if (!band || band.table !== table) { band = { table, x, w: 0 }; bands.push(band); }
    band.w += w;
    x += w;
  });
  for (const b of bands) {
    if (!b.table) continue;
    svg.append(el("rect", { x: b.x.toFixed(2), y: bandTop, width: Math.max(b.w - 1, 0.5).toFixed(2), height: bandH, class: "table-band" }));
    if (b.w > 30) svg.append(el("text", { x: (b.x + 4).toFixed(2), y: bandTop + 14, class: "table-label" }, b.table));
  }
  const tables = new Set(segments.map((s) => s.table).filter(Boolean)).size;
  $("rope-summary").textContent = `${n} segments, ${tables} tables, ${fmtBytes(segments.reduce((t, s) => t + s.stats.bytes, 0))}`;
  if (state.selected !== null) {
    const s = segments.find((q) => q.id === state.selected);
    if (s) showSegment(s);
  }
}

function showSegment(s) {
  const row = (k, v) => [el("dt", {}, k), el("dd", {}, v)];
  $("segment-detail").classList.remove("muted");
  $("segment-detail").replaceChildren(el("dl", {},
    row("segment", s.id), row("table", s.table || "-"), row("epoch", s.epoch),
    row("leader", s.leader_hint || "unknown"), row("replicas", s.replicas.join(", ") || "none"),
    row("bytes", fmtBytes(s.stats.bytes)), row("items", fmtNum(s.stats.items)),
    row("reads/s", fmtRate(s.stats.reads_per_s)), row("writes/s", fmtRate(s.stats.writes_per_s)),
    row("start key", s.start_key || "(start)"), row("end key", s.end_key || "(end)")));
}

function drawChanges() {
  const list = $("changes");
  if (!state.changes.length) return;
  const now = Date.now();
  list.replaceChildren(...state.changes.map((c) =>
    el("li", { class: now - c.at < FRESH_MS ? "fresh" : null }, `${fmtTime(c.at)} — ${c.text}`)));
}

// ---------- nodes, moves ----------

function drawNodes() {
  const cluster = state.cluster;
  const load = new Map(cluster.nodes.map((n) => [n.id, { replicas: 0, leads: 0, bytes: 0, items: 0, reads: 0, writes: 0 }]));
  for (const s of cluster.segments) {
    for (const r of s.replicas) {
      const l = load.get(r);
      if (l) { l.replicas++; l.bytes += s.stats.bytes; l.items += s.stats.items; }
    }
    const leader = load.get(s.leader_hint);
    if (leader) { leader.leads++; leader.reads += s.stats.reads_per_s; leader.writes += s.stats.writes_per_s; }
  }
  const nodes = [...cluster.nodes].sort((a, b) => a.id - b.id);
  const table = $("nodes");
  table.dataset.nodeCount = String(nodes.length);
  table.tBodies[0].replaceChildren(...nodes.map((n) => {
    const l = load.get(n.id);
    const lab = n.labels || {};
    return el("tr", { "data-node-id": n.id },
      el("td", {}, el("span", { class: "swatch-inline", style: `color:${nodeColour(n.id)}` }, "■ "), String(n.id)),
      el("td", {}, n.address), el("td", {}, lab.dc || "-"), el("td", {}, lab.rack || "-"),
      el("td", {}, lab.host || "-"), el("td", {}, lab.numa || "-"),
      el("td", { class: n.alive ? "" : "dead" }, n.alive ? "yes" : "no"),
      el("td", { class: "num" }, n.capacity_bytes ? fmtBytes(n.capacity_bytes) : "-"),
      el("td", { class: "num" }, l.replicas), el("td", { class: "num" }, l.leads),
      el("td", { class: "num" }, fmtBytes(l.bytes)), el("td", { class: "num" }, fmtNum(l.items)),
      el("td", { class: "num" }, fmtRate(l.reads)), el("td", { class: "num" }, fmtRate(l.writes)));
  }));
  $("legend").replaceChildren(...nodes.map((n) =>
    el("span", {}, el("span", { class: "swatch", style: `background:${nodeColour(n.id)}` }),
      `node ${n.id} ${[n.labels.dc, n.labels.rack, n.labels.host].filter(Boolean).join("/")}`)),
  el("span", {}, el("span", { class: "swatch", style: `background:${nodeColour(0)}` }), "no leader"));
}

function drawMoves() {
  const c = state.cluster;
  $("moves-count").textContent = String(c.moves_in_flight ?? c.moves.length);
  $("moves").tBodies[0].replaceChildren(...(c.moves.length ? c.moves.map((m) => el("tr", { "data-move-segment": m.segment },
    el("td", {}, m.segment), el("td", {}, m.from_node || "-"), el("td", {}, m.to_node || "-"),
    el("td", {}, m.kind || "-"), el("td", {}, m.state || "-"), el("td", {}, moveProgress(m)),
    el("td", {}, m.target_epoch), el("td", {}, m.reason))) : [el("tr", {}, el("td", { colspan: 8, class: "muted" }, "none"))]));
  $("unhealthy-count").textContent = String(c.unhealthy.length);
  $("unhealthy").tBodies[0].replaceChildren(...(c.unhealthy.length ? c.unhealthy.map((u) => el("tr", {},
    el("td", {}, u.segment), el("td", {}, u.replication), el("td", {}, u.usable_replicas), el("td", {}, u.domains),
    el("td", { class: u.under_protected ? "error" : "" }, u.under_protected ? "yes" : "no"),
    el("td", { class: u.quorum_lost ? "error" : "" }, u.quorum_lost ? "yes" : "no"))) :
    [el("tr", {}, el("td", { colspan: 6, class: "muted" }, "none"))]));
}

function moveProgress(m) {
  if (!m.bytes_total) return m.state === "ordered" ? "waiting" : "-";
  const pct = Math.min(100, 100 * (m.progress || 0));
  return el("span", {}, el("span", { class: "progress", title: `${m.bytes_copied} of ${m.bytes_total} bytes` },
    el("span", { style: `width:${pct.toFixed(0)}%` })), ` ${pct.toFixed(0)}% (${fmtBytes(m.bytes_copied)}/${fmtBytes(m.bytes_total)})`);
}

// ---------- tables, indexes, hooks ----------

function progressOf(backfill) {
  if (!backfill) return null;
  const est = backfill.items_estimated || 0;
  const pct = est > 0 ? Math.min(100, (100 * backfill.items_done) / est) : 0;
  return el("span", {}, el("span", { class: "progress", title: `${backfill.items_done} of ~${est}` },
    el("span", { style: `width:${pct.toFixed(0)}%` })), ` ${pct.toFixed(0)}% (${fmtNum(backfill.items_done)}/${fmtNum(est)}, ${fmtRate(backfill.items_per_s)}/s)`);
}

function drawTables() {
  const box = $("tables");
  box.dataset.tableCount = String(state.tables.length);
  if (!state.tables.length) { box.replaceChildren(el("p", { class: "muted" }, "no tables")); return; }
  const segCount = new Map();
  if (state.cluster) for (const s of state.cluster.segments) if (s.table) segCount.set(s.table, (segCount.get(s.table) || 0) + 1);
  box.replaceChildren(...state.tables.map((t) => {
    const detailed = state.indexes.get(t.name);
    const indexes = detailed || t.indexes || [];
    const hooks = state.hooks.filter((h) => h.table === t.name);
    const keys = `hash key ${t.hash_key}` + (t.range_key ? `, range key ${t.range_key}` : "") +
      (t.local_index ? `, local index ${t.local_index}` : "");
    return el("div", { class: "table-card", "data-table": t.name },
      el("h3", {}, t.name, " ", el("span", { class: "muted small" },
        `id ${t.id} · ${keys} · replication ${t.replication} · ${segCount.get(t.name) ?? t.segments ?? "?"} segments` +
        (t.default_ttl ? ` · default ttl ${t.default_ttl}s` : ""))),
      indexes.length ? el("table", { class: "indexes" },
        el("thead", {}, el("tr", {}, ...["index", "attribute", "type", "projection", "unique", "state", "backfill", "lag", "entries", "replicas"].map((h) => el("th", {}, h)))),
        el("tbody", {}, ...indexes.map((ix) => el("tr", { "data-index": ix.name },
          el("td", {}, ix.name), el("td", {}, ix.attribute), el("td", {}, ix.type || "-"),
          el("td", {}, ix.projection || "-"), el("td", {}, ix.unique === undefined ? "-" : ix.unique ? "yes" : "no"),
          el("td", { class: "state-" + ix.state }, ix.state),
          el("td", {}, progressOf(ix.backfill) || (ix.state === "active" ? "done" : "-")),
          el("td", { class: "num" }, ix.lag_ms === undefined ? "-" : `${ix.lag_ms} ms`),
          el("td", { class: "num" }, ix.entries === undefined ? "-" : fmtNum(ix.entries)),
          el("td", {}, (ix.replicas || []).map((r) => `indexer ${r.indexer}: ${r.state}`).join("; ") || "-")))))
        : el("p", { class: "muted small" }, "no indexes"),
      hooks.length ? el("p", { class: "small" }, "hooks: " + hooks.map((h) => h.name).join(", ")) : null);
  }));
  // The inspector's table choice follows the catalog, keeping the current one.
  const select = $("inspect-table");
  const current = select.value;
  select.replaceChildren(...state.tables.map((t) => el("option", { value: t.name }, t.name)));
  if (state.tables.some((t) => t.name === current)) select.value = current;
}

function drawHooks() {
  const table = $("hooks");
  table.dataset.hookCount = String(state.hooks.length);
  table.tBodies[0].replaceChildren(...(state.hooks.length ? state.hooks.map((h) => {
    const s = h.state || {};
    return el("tr", { "data-hook": h.name },
      el("td", {}, h.name), el("td", {}, h.table), el("td", {}, h.url), el("td", {}, (h.events || []).join(",")),
      el("td", {}, h.prefix || "-"), el("td", {}, s.notifier || "none"),
      el("td", { class: "num" }, fmtNum(s.delivered)), el("td", { class: "num" }, fmtNum(s.pending)),
      el("td", {}, s.last_status ? String(s.last_status) : "-"),
      el("td", { class: s.failing ? "error" : "" }, s.failing ? `failing: ${s.last_error || ""}` : "ok"));
  }) : [el("tr", {}, el("td", { colspan: 10, class: "muted" }, "no hooks"))]));
}

// ---------- polling ----------

async function pollCluster() {
  try {
    const { changed, body } = await getJSON("/v1/cluster");
    if (changed) {
      state.cluster = body;
      noteLayoutChange(orderedSegments(body), Date.now());
      drawRope(); drawNodes(); drawMoves(); drawChanges();
      $("rope-version").textContent = `rope v${body.rope_version} (router v${body.router_rope_version})`;
    } else if (state.fresh.size) {
      noteLayoutChange(orderedSegments(state.cluster), Date.now());  // lets highlights expire
      drawRope(); drawChanges();
    }
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    setStatus("live", "live");
    if (state.tablesLoaded) document.body.dataset.ready = "true";
  } catch (e) {
    setStatus("error", `cluster: ${e.message}`);
  }
  setTimeout(pollCluster, CLUSTER_EVERY_MS);
}

async function pollCatalog() {
  try {
    const [tables, hooks] = await Promise.all([getJSON("/v1/tables"), getJSON("/v1/hooks")]);
    state.tables = [...tables.body.tables].sort((a, b) => a.name.localeCompare(b.name));
    state.hooks = hooks.body.hooks;
    let changed = tables.changed || hooks.changed;
    const names = new Set(state.tables.map((t) => t.name));
    for (const name of [...state.indexes.keys()]) if (!names.has(name)) { state.indexes.delete(name); changed = true; }
    await Promise.all(state.tables.filter((t) => (t.indexes || []).length).map(async (t) => {
      try {
        const r = await getJSON(`/v1/tables/${encodeURIComponent(t.name)}/indexes`);
        if (r.changed) changed = true;
        state.indexes.set(t.name, r.body.indexes);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;  // dropped meanwhile
        state.indexes.delete(t.name);
      }
    }));
    if (changed || !state.tablesLoaded) { drawTables(); drawHooks(); }
    state.tablesLoaded = true;
  } catch (e) {
    setStatus("error", `catalog: ${e.message}`);
  }
  setTimeout(pollCatalog, CATALOG_EVERY_MS);
}

// ---------- partition inspector ----------

function partitionPath(table, partition) {
  return `/v1/tables/${encodeURIComponent(table)}/partitions/${partition}`;
}

async function inspect(table, partition) {
  const out = $("inspect-result");
  out.dataset.state = "loading";
  try {
    const p = await getPartition(partitionPath(table, partition));
    state.inspected = { table, partition };
    const row = (k, v, key) => [el("dt", {}, k), el("dd", { "data-field": key }, v)];
    out.replaceChildren(el("dl", {},
      row("table", p.table, "table"), row("partition", p.partition, "partition"),
      row("items", p.items, "items"), row("bytes", p.bytes, "bytes"),
      row("head version", p.head_version_text, "head_version"), row("segments", p.segments.join(", "), "segments")));
    out.dataset.state = "done";
    $("rollback-form").hidden = false;
  } catch (e) {
    state.inspected = null;
    $("rollback-form").hidden = true;
    out.replaceChildren(el("span", { class: "error" }, e.message));
    out.dataset.state = "error";
  }
}

/** A plain GET; versions are read from the text too (they may exceed 2^53). */
async function getPartition(path) {
  const r = await fetch(path, { headers: withToken(), cache: "no-store" });
  const text = await r.text();
  let body = null;
  try { body = JSON.parse(text); } catch (e) { body = null; }
  if (!r.ok || !body) throw new ApiError(r.status, body);
  const head = /"head_version":([0-9]+)/.exec(text);
  body.head_version_text = head ? head[1] : String(body.head_version);
  return body;
}

async function rollback(version) {
  const out = $("rollback-result");
  const target = state.inspected;
  if (!target) return;
  if (!/^[0-9]+$/.test(version)) { out.replaceChildren(el("span", { class: "error" }, "a version is a decimal number")); return; }
  const question = `Roll back partition ${target.partition} of table ${target.table} to version ${version}?\n\n` +
    "Every version after it becomes void (items return to their state at that version). This cannot be undone.";
  if (!window.confirm(question)) { out.replaceChildren(el("span", { class: "muted" }, "rollback cancelled")); out.dataset.state = "cancelled"; return; }
  try {
    // The version goes into the JSON verbatim: versions exceed 2^53, so no Number round trip.
    const r = await fetch(partitionPath(target.table, target.partition) + "/rollback", {
      method: "POST", cache: "no-store", headers: withToken({ "Content-Type": "application/json" }),
      body: `{"to_version":${version}}`,
    });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new ApiError(r.status, body);
    out.replaceChildren(`rolled back partition ${body.partition} of ${body.table} to version ${version}`);
    out.dataset.state = "done";
    await inspect(target.table, target.partition);
  } catch (e) {
    out.replaceChildren(el("span", { class: "error" }, e.message));
    out.dataset.state = "error";
  }
}

// ---------- start ----------

function start() {
  $("width-mode").addEventListener("change", () => state.cluster && drawRope());
  window.addEventListener("resize", () => state.cluster && drawRope());
  $("inspect-key").addEventListener("input", (ev) => {
    if (ev.target.value !== "") $("inspect-partition").value = String(ropeXXH64.partitionOf(ev.target.value));
  });
  $("inspect-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const table = $("inspect-table").value;
    const partition = Number($("inspect-partition").value);
    if (table && Number.isInteger(partition) && partition >= 0 && partition <= 65535) inspect(table, partition);
  });
  $("rollback-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    rollback($("rollback-version").value.trim());
  });
  $("auth-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const token = $("auth-token").value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    $("auth-token").value = "";
    state.etags.clear();
    $("auth-form").hidden = true;
  });
  pollCluster();
  pollCatalog();
}

start();
