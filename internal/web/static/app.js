// Kasuhara's own script: keeps a draft of long forms in this browser so that
// a report is not lost when a shop's connection drops. The draft never
// leaves the device and is removed once the report has been filed.
(function () {
  "use strict";
  var store;
  try { store = window.localStorage; } catch (e) { return; }
  if (!store) { return; }

  // A draft is kept under its writer ("kasuhara-draft:report:" and the
  // user's id), so that the next person signed in on a shared device never
  // sees it; every draft goes at sign-out and once a report is filed. The
  // anonymous form keeps none. Drafts of an older release, kept under no
  // user, are removed.
  function clearDrafts() {
    var keys = [];
    for (var i = 0; i < store.length; i++) { keys.push(store.key(i)); }
    keys.forEach(function (k) { if (k && k.indexOf("kasuhara-draft:") === 0) { store.removeItem(k); } });
    try { window.sessionStorage.removeItem("kasuhara-draft:anonymous"); } catch (e) { /* none */ }
  }
  store.removeItem("kasuhara-draft:report");
  if (/[?&]filed=1\b/.test(window.location.search)) { clearDrafts(); }
  document.addEventListener("submit", function (ev) {
    if (ev.target.getAttribute && ev.target.getAttribute("action") === "/logout") { clearDrafts(); }
  });

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "hidden" && el.type !== "submit" && el.type !== "file" && el.type !== "password";
    });
  }


  function save(form, key) {
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else {
        data[el.name] = [el.value];
      }
    });
    var st = store;
    if (st) { st.setItem(key, JSON.stringify(data)); }
  }

  function restore(form, key) {
    var st = store;
    var raw = st ? st.getItem(key) : null;
    if (!raw) { return false; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return false; }
    // The server's own values (after a failed submission) win over the draft.
    if (form.querySelector(".field-error")) { return false; }
    fields(form).forEach(function (el) {
      var v = data[el.name];
      if (!v) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = v.indexOf(el.value) >= 0;
      } else {
        el.value = v[0];
      }
    });
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var key = "kasuhara-draft:" + form.getAttribute("data-draft");
      if (restore(form, key)) {
        var status = document.getElementById("draft-status");
        if (status) { status.hidden = false; }
      }
      var discard = form.querySelector("[data-discard-draft]");
      if (discard) {
        discard.addEventListener("click", function () {
          store.removeItem(key);
          form.reset();
          var status = document.getElementById("draft-status");
          if (status) { status.hidden = true; }
        });
      }
      form.addEventListener("input", function () { save(form, key); });
      form.addEventListener("change", function () { save(form, key); });
    });
  });
})();

// A suggested kind of conduct (from screening, see /report/suggest) ticks
// its checkbox when the employee chooses it; nothing is ticked on its own.
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest ? ev.target.closest("[data-suggest]") : null;
  if (!btn) { return; }
  var box = document.getElementById("subtype-" + btn.getAttribute("data-suggest"));
  if (!box) { return; }
  box.checked = true;
  var details = box.closest("details");
  if (details) { details.open = true; }
  box.dispatchEvent(new Event("change", { bubbles: true }));
  btn.disabled = true;
});

// Print buttons (the anonymous receipt): no inline script under the CSP.
document.addEventListener("click", function (ev) {
  if (ev.target.closest && ev.target.closest("[data-print]")) { window.print(); }
});

// The contact timer: counts a call or visit against the organisation's
// limit, highlights the procedure's steps as time passes, and at the end
// opens the report form pre-filled with the channel, the start time and
// the duration. Nothing is sent until the employee files the report.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-timer]");
  if (!box) { return; }
  var limit = parseInt(box.getAttribute("data-limit"), 10) || 30;
  var clock = document.getElementById("timer-clock");
  var start = null;
  var tick = null;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function minutes() { return start ? Math.floor((Date.now() - start.getTime()) / 60000) : 0; }
  function update() {
    var secs = start ? Math.floor((Date.now() - start.getTime()) / 1000) : 0;
    clock.textContent = pad(Math.floor(secs / 60)) + ":" + pad(secs % 60);
    var m = secs / 60;
    box.classList.toggle("over", m >= limit);
    box.classList.toggle("near", m >= limit - 5 && m < limit);
    document.querySelectorAll("[data-step-at]").forEach(function (li) {
      var at = li.getAttribute("data-step-at");
      var when = at === "half" ? limit / 2 : at === "warn" ? Math.max(limit - 5, 0) : at === "limit" ? limit : 0;
      li.classList.toggle("current", start !== null && m >= when);
    });
  }
  document.querySelector("[data-timer-start]").addEventListener("click", function (ev) {
    start = new Date();
    ev.target.disabled = true;
    if (tick) { clearInterval(tick); }
    tick = setInterval(update, 1000);
    update();
  });
  document.querySelector("[data-timer-end]").addEventListener("click", function (ev) {
    var channel = (document.querySelector("input[name=timer-channel]:checked") || {}).value || "phone";
    var q = "?channel=" + encodeURIComponent(channel);
    if (start) {
      q += "&started=" + encodeURIComponent(start.toISOString().replace(/\.\d+Z$/, "Z")) + "&duration=" + minutes();
      if (minutes() >= limit) { q += "&subtype=" + (channel === "phone" ? "long_contact" : "refusal_to_leave"); }
    }
    ev.target.href = "/report" + q;
  });
  update();
});

// sameKeyForSameContent makes a form sent again with the same content (Back
// to a form the browser draws anew, with a new key) carry the key it was
// first sent with, so that the server answers the first result. Only a
// hash of the content is kept, in this tab's session storage. A form
// reached by a new navigation (not Back, Forward or reload) is a new
// report, however like an earlier one it is: it records its own key.
function sameKeyForSameContent(form) {
  var key = form.querySelector("input[name=idempotency_key]");
  var st = null;
  try { st = window.sessionStorage; } catch (e) { st = null; }
  if (!key || !st) { return; }
  var text = form.getAttribute("action") + "\n";
  Array.prototype.forEach.call(form.elements, function (el) {
    if (!el.name || el.name === "idempotency_key" || el.type === "submit") { return; }
    if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
    if (el.type === "file") {
      Array.prototype.forEach.call(el.files || [], function (f) { text += el.name + "=" + f.name + ":" + f.size + "\n"; });
      return;
    }
    text += el.name + "=" + el.value + "\n";
  });
  var h1 = 0x811c9dc5, h2 = 0x2545f491;
  for (var i = 0; i < text.length; i++) {
    var c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  var name = "kasuhara-sent:" + h1.toString(16) + h2.toString(16);
  var sent = st.getItem(name);
  if (sent && revisited()) {
    key.value = sent;
  } else {
    st.setItem(name, key.value);
  }
}

// revisited reports whether this page was reached by Back, Forward or reload.
function revisited() {
  var nav = window.performance && window.performance.getEntriesByType ? window.performance.getEntriesByType("navigation")[0] : null;
  return !nav || nav.type === "back_forward" || nav.type === "reload";
}

// Submit once (issue 18): a form marked data-submit-once is sent once; a
// second tap while it is on its way does nothing, and its buttons are
// disabled (after the form's data has been taken, so that a named button
// still counts). Back to the page (from the browser's cache) makes the form
// usable again; the server answers a repeat of the same form's key with the
// first result.
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (!form.hasAttribute || !form.hasAttribute("data-submit-once") || ev.defaultPrevented) { return; }
  if (form.getAttribute("data-submitting") === "1") { ev.preventDefault(); return; }
  form.setAttribute("data-submitting", "1");
  sameKeyForSameContent(form);
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
      b.disabled = true;
      b.setAttribute("aria-disabled", "true");
    });
  }, 0);
});
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.removeAttribute("data-submitting");
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-disabled");
    });
  });
});

// Stacked tables (app.css .table-stack): each cell shown as a card's line
// carries its column's heading in data-label. A template may write it; a
// cell without one takes the text of its column's <th> here (a column
// without a heading, such as a row's actions, gets an empty label).
function labelStackedTables(root) {
  (root || document).querySelectorAll("table.table-stack").forEach(function (table) {
    var heads = [];
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) { return; }
    Array.prototype.forEach.call(row.cells, function (th) {
      for (var i = 0; i < (th.colSpan || 1); i++) { heads.push(th.textContent.replace(/\s+/g, " ").trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (tr) {
        var col = 0;
        Array.prototype.forEach.call(tr.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && cell.colSpan <= 1) { cell.setAttribute("data-label", heads[col] || ""); }
          col += cell.colSpan || 1;
        });
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { labelStackedTables(document); });
document.addEventListener("htmx:afterSwap", function (ev) { labelStackedTables(ev.target); });

// The menu (layout.html) is a <details>: closed on a phone, laid out in the
// bar from 48em by app.css (::details-content). A browser without that
// selector gets it opened on a wide screen instead.
document.addEventListener("DOMContentLoaded", function () {
  var menu = document.getElementById("nav-menu");
  if (!menu || !window.matchMedia) { return; }
  var supported = false;
  try { supported = CSS.supports("selector(::details-content)"); } catch (e) { supported = false; }
  if (supported) { return; }
  var wide = window.matchMedia("(min-width: 48em)");
  function follow() { menu.open = wide.matches; }
  follow();
  if (wide.addEventListener) { wide.addEventListener("change", follow); }
});

// A button with data-fill-template puts the text of that element (an
// outline such as 5W1H) into the field data-fill-target: in place of an
// empty field, after what was typed otherwise; the field keeps the focus.
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest && ev.target.closest("[data-fill-template]");
  if (!btn) { return; }
  var src = document.getElementById(btn.getAttribute("data-fill-template"));
  var field = document.getElementById(btn.getAttribute("data-fill-target"));
  if (!src || !field) { return; }
  var text = src.textContent;
  field.value = field.value.trim() === "" ? text : field.value.replace(/\s+$/, "") + "\n\n" + text;
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.focus();
});

// Escape closes the open menu and gives the focus back to its button, as
// a person who uses the keyboard expects of a menu (WCAG 2.1.2: no trap).
document.addEventListener("keydown", function (ev) {
  if (ev.key !== "Escape") { return; }
  var menu = document.getElementById("nav-menu");
  if (!menu || !menu.open) { return; }
  var toggle = document.getElementById("nav-toggle");
  if (!toggle || !toggle.checkVisibility || !toggle.checkVisibility()) { return; } // laid out in the bar: nothing to close
  menu.open = false;
  toggle.focus();
});

// The case page's sections post with htmx and get back the section drawn
// again (issue 19). A form with problems comes back as 422 (or 409 for a
// conflict): its section is shown with them, not dropped as an error. Any
// other error answer (403, 404, 413, 500) replaces the page's main part
// with the error page's, which names the request id.
document.addEventListener("htmx:beforeSwap", function (ev) {
  var st = ev.detail.xhr.status;
  if (st === 422 || st === 409) { ev.detail.shouldSwap = true; ev.detail.isError = false; }
  // The sections are one group (details name=): a section that comes back
  // open while the old one is still open would be closed by the browser.
  var target = ev.detail.target;
  if (ev.detail.shouldSwap && target && target.matches && target.matches("details.case-section")) { target.open = false; }
});
document.addEventListener("htmx:responseError", function (ev) {
  var doc = new DOMParser().parseFromString(ev.detail.xhr.responseText || "", "text/html");
  var main = document.querySelector("main");
  var got = doc.querySelector("main");
  if (main && got) { main.replaceWith(document.importNode(got, true)); window.scrollTo(0, 0); }
});
// The section just changed gets the focus, so that its message is read
// out and the keyboard stays where the work is.
document.addEventListener("htmx:afterSettle", function (ev) {
  var el = ev.detail.elt;
  if (!el || !el.matches || !el.matches("details.case-section")) { return; }
  var msg = el.querySelector("#flash, #problems");
  var target = msg || el.querySelector("summary");
  if (target) {
    if (!target.hasAttribute("tabindex") && target.tagName !== "SUMMARY") { target.setAttribute("tabindex", "-1"); }
    target.focus({ preventScroll: false });
  }
});

// The anonymous receipt (issue 18, the receipt is kept): a copy button
// (shown where the browser can copy), and a warning before the page is
// left while the receipt may not be kept yet. Sending a form of the page
// (the language switch, which draws the same receipt again; the download;
// "I have saved it"), ticking "I have saved my receipt" and a copy count
// as kept.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    if (!navigator.clipboard || !window.isSecureContext) { return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var src = document.querySelector(btn.getAttribute("data-copy"));
      var status = document.getElementById("receipt-copy-status");
      var say = function (attr) { if (status) { status.textContent = btn.getAttribute(attr); } };
      navigator.clipboard.writeText(src.textContent.replace(/\s+/g, "")).then(function () {
        kept = true;
        say("data-copied");
      }, function () { say("data-copy-failed"); });
    });
  });
  var kept = false;
  if (!document.querySelector("[data-warn-leave]")) { return; }
  document.addEventListener("submit", function () { kept = true; });
  document.addEventListener("change", function (ev) {
    if (ev.target.id === "saved-confirm") { kept = ev.target.checked; }
  });
  window.addEventListener("beforeunload", function (ev) {
    if (kept) { return; }
    ev.preventDefault();
    ev.returnValue = "";
  });
});

// Nothing typed is lost (issue 18). A form sent back with errors: each
// error is tied to its field (aria-describedby, aria-invalid), the summary
// at the top lists them in the order of the page with links that open a
// closed section and move to the field, and the focus goes to the summary
// so that a screen reader reads it and the page does not stay at the top
// while the error is at the bottom.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".field-error").forEach(function (p, i) {
    var box = p.closest(".field") || p.closest("fieldset");
    if (!box) { return; }
    if (!p.id) { p.id = "field-error-" + i; }
    box.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (c) {
      c.setAttribute("aria-invalid", "true");
      var d = (c.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (d.indexOf(p.id) < 0) { d.push(p.id); c.setAttribute("aria-describedby", d.join(" ")); }
    });
  });
  var sum = document.getElementById("error-summary");
  if (!sum) {
    // A page that lists its problems in its own way (the case page) or
    // only says that the form must be fixed: the focus goes there.
    var other = document.getElementById("problems") || document.querySelector("#flash.flash-error");
    if (other) { other.setAttribute("tabindex", "-1"); other.focus(); }
    return;
  }
  var list = sum.querySelector("ul");
  var items = [];
  sum.querySelectorAll("a[data-field]").forEach(function (a) {
    var key = a.getAttribute("data-field");
    var target = document.getElementById(a.getAttribute("href").slice(1));
    if (!target) {
      target = Array.prototype.find.call(document.getElementsByName(key), function (el) { return el.type !== "hidden"; }) || null;
    }
    if (!target) {
      var span = document.createElement("span");
      span.textContent = a.textContent;
      a.replaceWith(span);
      items.push({ li: span.closest("li"), el: null });
      return;
    }
    if (!target.id) { target.id = "field-" + key.replace(/[^A-Za-z0-9_-]/g, "-"); }
    a.setAttribute("href", "#" + target.id);
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var d = target.closest("details");
      if (d) { d.open = true; }
      var focusable = target.matches("input, select, textarea, button") ? target : target.querySelector("input, select, textarea") || target;
      if (!focusable.matches("input, select, textarea, button, a") && !focusable.hasAttribute("tabindex")) { focusable.setAttribute("tabindex", "-1"); }
      focusable.focus();
      target.scrollIntoView({ block: "center" });
    });
    items.push({ li: a.closest("li"), el: target });
  });
  items.sort(function (x, y) {
    if (!x.el || !y.el) { return x.el ? -1 : y.el ? 1 : 0; }
    return x.el.compareDocumentPosition(y.el) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  });
  items.forEach(function (it) { list.appendChild(it.li); });
  sum.focus();
});

// Upload limits checked in the browser before anything is sent: a file
// input with data-max-bytes, data-max-files and data-accept-types (from
// the server's own constants) names each file it cannot send, and the
// form is not sent until the files are chosen again. The server checks
// again.
(function () {
  function problems(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
    var maxFiles = parseInt(input.getAttribute("data-max-files"), 10) || 0;
    var types = (input.getAttribute("data-accept-types") || "").split(",");
    var out = [];
    var files = Array.prototype.slice.call(input.files || []);
    if (maxFiles && files.length > maxFiles) { out.push(input.getAttribute("data-msg-count")); }
    files.forEach(function (f) {
      var t = (f.type || "").toLowerCase();
      if (t && types.indexOf(t) < 0 && !/^(image|audio|video|text)\//.test(t)) {
        out.push(input.getAttribute("data-msg-type").replace("{name}", f.name));
      } else if (max && f.size > max) {
        out.push(input.getAttribute("data-msg-size").replace("{name}", f.name));
      }
    });
    return out;
  }
  function check(input) {
    var box = input.closest(".field") || input.parentNode;
    var old = box.querySelector(".client-error");
    if (old) { old.remove(); }
    var found = problems(input);
    input.setCustomValidity(found.join(" "));
    if (!found.length) {
      if (!box.querySelector(".field-error")) { input.removeAttribute("aria-invalid"); }
      return true;
    }
    var p = document.createElement("p");
    p.className = "field-error client-error";
    p.id = input.id + "-client-error";
    p.setAttribute("role", "alert");
    p.textContent = found.join(" ");
    input.insertAdjacentElement("afterend", p);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", p.id);
    return false;
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("input[type=file][data-max-bytes]")) { check(ev.target); }
  });
  // Runs before the submit-once handler (capture), so that a refused
  // file neither sends the form nor disables its button.
  document.addEventListener("submit", function (ev) {
    var bad = Array.prototype.filter.call(ev.target.querySelectorAll("input[type=file][data-max-bytes]"), function (i) { return !check(i); });
    if (bad.length) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      bad[0].focus();
    }
  }, true);
})();

// What was typed in a form the server sent back with errors comes back
// into it (issue 18). A form posted is kept in this tab's session storage
// until the next page is drawn, which takes it out at once: a page that
// says the form has errors (an error summary, a field error, an error
// message) puts the values into the form of the same action where the
// server did not, and any other page drops them. Passwords, files and
// hidden fields are never kept; the anonymous channel keeps nothing.
(function () {
  var st = null;
  try { st = window.sessionStorage; } catch (e) { st = null; }
  if (!st) { return; }
  var name = "kasuhara-sent-form";
  function kept(el) {
    return el.name && el.type !== "hidden" && el.type !== "password" && el.type !== "file" && el.type !== "submit" && el.type !== "button";
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || (form.method || "").toLowerCase() !== "post") { return; }
    var action = form.getAttribute("action") || "";
    if (action.indexOf("/o/") === 0 || action === "/login" || action === "/logout" || action === "/language") { return; }
    try { st.setItem(name, JSON.stringify(collect(form))); } catch (e) { /* full: nothing kept */ }
  });
  function collect(form) {
    var data = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el)) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        data.push([el.name, el.value, el.checked]);
      } else {
        data.push([el.name, el.value]);
      }
    });
    return { action: form.getAttribute("action") || "", data: data };
  }
  // A section of a page that htmx draws again with its problems (422,
  // 409: the case page) gets back what was typed in its forms too.
  var swapped = null;
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var st2 = ev.detail.xhr ? ev.detail.xhr.status : 0;
    var target = ev.detail.target;
    swapped = null;
    if ((st2 === 422 || st2 === 409) && target && target.querySelectorAll) {
      swapped = Array.prototype.map.call(target.querySelectorAll("form[method=post]"), collect);
    }
  });
  // At once after the swap, in the same task: a person (or a test) never
  // sees the section drawn again without what they typed.
  document.addEventListener("htmx:afterSwap", function () {
    if (!swapped) { return; }
    var sent = swapped;
    swapped = null;
    (sent || []).forEach(function (one) { putBack(one); });
  });
  var raw = st.getItem(name);
  st.removeItem(name);
  if (!raw) { return; }
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("#error-summary, .field-error, #problems, #flash.flash-error")) { return; }
    var sent;
    try { sent = JSON.parse(raw); } catch (e) { return; }
    putBack(sent);
  });
  function putBack(sent) {
    var form = Array.prototype.find.call(document.forms, function (f) { return f.getAttribute("action") === sent.action; });
    if (!form) { return; }
    var seen = {};
    sent.data.forEach(function (d) {
      var els = Array.prototype.filter.call(form.elements, function (el) { return el.name === d[0] && kept(el); });
      if (d.length === 3) {
        els.forEach(function (el) { if (el.value === d[1] && d[2]) { el.checked = true; } });
        return;
      }
      var i = seen[d[0]] || 0;
      seen[d[0]] = i + 1;
      var el = els[i];
      if (!el || el.value === d[1]) { return; }
      if (el.tagName === "SELECT" || el.value === "" || el.value === el.defaultValue) { el.value = d[1]; }
    });
  }
})();
