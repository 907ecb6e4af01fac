// Rule builder (/ui/kurallar/duzenleyici): drag reorder of the rule list, and condition rows and groups
// added and removed in the page. Without this script every button posts the form and the server does
// the same, so the builder works without JavaScript too.

function startList(form) {
  const body = form.querySelector('#kural-listesi tbody');
  let dragged = null;

  // A drop posts the move like the up/down buttons do (islem=tasi:<id>:<new index>).
  const submitMove = (id, index) => {
    const op = document.createElement('input');
    op.type = 'hidden';
    op.name = 'islem';
    op.value = `tasi:${id}:${index}`;
    form.append(op);
    form.submit();
  };
  const clearMarks = () => body.querySelectorAll('.rb-drop').forEach((r) => r.classList.remove('rb-drop'));

  for (const row of body.querySelectorAll('tr[data-id]')) {
    row.draggable = true;
    row.addEventListener('dragstart', (ev) => {
      dragged = row;
      row.classList.add('rb-dragging');
      ev.dataTransfer.effectAllowed = 'move';
      ev.dataTransfer.setData('text/plain', row.dataset.id);
    });
    row.addEventListener('dragend', () => {
      row.classList.remove('rb-dragging');
      clearMarks();
    });
    row.addEventListener('dragover', (ev) => {
      if (!dragged || dragged === row) return;
      ev.preventDefault();
      clearMarks();
      row.classList.add('rb-drop');
    });
    row.addEventListener('drop', (ev) => {
      ev.preventDefault();
      if (!dragged || dragged === row) return;
      submitMove(dragged.dataset.id, Number(row.dataset.index));
    });
  }
  form.addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-sor]');
    if (button && !window.confirm(button.dataset.sor)) ev.preventDefault();
  });
}

function startForm(form) {
  // The next free child path of a group: children are numbered <group>-0, <group>-1, ...
  const nextPath = (group, path) => {
    let max = -1;
    for (const child of group.querySelectorAll(':scope > .rb-children > [data-path]')) {
      const last = Number(child.dataset.path.split('-').pop());
      if (last > max) max = last;
    }
    return `${path}-${max + 1}`;
  };

  form.addEventListener('click', (ev) => {
    const add = ev.target.closest('button[data-ekle]');
    const remove = ev.target.closest('button[data-kaldir]');
    if (add) {
      const path = add.dataset.ekle;
      const group = form.querySelector(`fieldset[data-path="${path}"]`);
      const kind = form.querySelector(`select[data-yeni="${path}"]`).value;
      const template = document.getElementById(`sablon-${kind}`);
      if (!group || !template) return; // let the server do it
      ev.preventDefault();
      const holder = document.createElement('div');
      holder.innerHTML = template.innerHTML.replaceAll('__P__', nextPath(group, path));
      const node = holder.firstElementChild;
      group.querySelector(':scope > .rb-children').append(node);
      group.querySelector(':scope > .rb-empty')?.remove();
      node.querySelector('input:not([type=hidden]), select, textarea')?.focus();
    } else if (remove) {
      const node = form.querySelector(`[data-path="${remove.dataset.kaldir}"]`);
      if (!node) return;
      ev.preventDefault();
      node.remove();
    }
  });
}

const list = document.getElementById('taslak-formu');
if (list) startList(list);
const ruleForm = document.getElementById('kural-formu');
if (ruleForm) startForm(ruleForm);
document.documentElement.dataset.rb = 'hazir'; // the page's script is live (tests wait for this)
