// Mahalle picker (combobox with suggestions from /basvuru/mahalle) and a character counter.
// The form works without this script: a typed mahalle name is resolved on the server.
(function () {
  "use strict";
  var form = document.getElementById("basvuru-formu");
  if (!form) return;

  var text = document.getElementById("aciklama");
  var counter = document.getElementById("aciklama-sayac");
  var maxChars = parseInt(form.getAttribute("data-max-chars"), 10) || 20000;
  function count() {
    counter.textContent = text.value.length.toLocaleString("tr-TR") + " / " + maxChars.toLocaleString("tr-TR");
  }
  if (text && counter) { text.addEventListener("input", count); count(); }

  var photo = document.getElementById("foto");
  var maxPhoto = parseInt(form.getAttribute("data-max-photo"), 10) || 0;
  if (photo && maxPhoto) {
    photo.addEventListener("change", function () {
      var f = photo.files && photo.files[0];
      photo.setCustomValidity(f && f.size > maxPhoto ? "Fotoğraf çok büyük." : "");
      if (f && f.size > maxPhoto) { photo.reportValidity(); }
    });
  }

  var input = document.getElementById("mahalle");
  var list = document.getElementById("mahalle-liste");
  var pickedName = document.getElementById("secilen_mahalle");
  var pickedIlce = document.getElementById("secilen_ilce");
  var ilce = document.getElementById("ilce");
  if (!input || !list) return;
  var items = [];
  var active = -1;
  var timer = null;
  var seq = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function highlight(i) {
    var nodes = list.children;
    for (var k = 0; k < nodes.length; k++) nodes[k].setAttribute("aria-selected", k === i ? "true" : "false");
    active = i;
    if (i >= 0 && nodes[i]) {
      input.setAttribute("aria-activedescendant", nodes[i].id);
      nodes[i].scrollIntoView({ block: "nearest" });
    }
  }
  function pick(i) {
    var item = items[i];
    if (!item) return;
    input.value = item.label;
    pickedName.value = item.mahalle;
    pickedIlce.value = item.ilce;
    close();
  }
  function show(data) {
    items = data || [];
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!items.length) { close(); return; }
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "mahalle-oneri-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-mahalle", item.mahalle);
      li.appendChild(document.createTextNode(item.mahalle));
      var where = document.createElement("span");
      where.className = "where";
      where.textContent = "(" + item.ilce + ")";
      li.appendChild(where);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }
  function lookup() {
    var q = input.value.trim();
    if (q.length < 2) { show([]); return; }
    var mine = ++seq;
    var url = "/basvuru/mahalle?q=" + encodeURIComponent(q);
    if (ilce && ilce.value) url += "&ilce=" + encodeURIComponent(ilce.value);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (body) { if (mine === seq) show(body.items); })
      .catch(function () { if (mine === seq) show([]); });
  }
  input.addEventListener("input", function () {
    // Typing after a pick means the pick no longer holds.
    pickedName.value = "";
    pickedIlce.value = "";
    clearTimeout(timer);
    timer = setTimeout(lookup, 150);
  });
  input.addEventListener("keydown", function (ev) {
    if (list.hidden) return;
    if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(items.length - 1, active + 1)); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(0, active - 1)); }
    else if (ev.key === "Enter") { if (active >= 0) { ev.preventDefault(); pick(active); } }
    else if (ev.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
  if (ilce) ilce.addEventListener("change", function () { if (!pickedName.value && input.value) lookup(); });
})();
