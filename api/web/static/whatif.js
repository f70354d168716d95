// whatif.js: the what-if form shows only the inputs the chosen kind of
// "one more edit" reads.
//
// Each input of the fieldset #whatif-op says in data-ops which kinds of
// edit read it; when the kind (select#op) changes, the others are hidden
// (and a group with none left). Hidden inputs are still sent, and the
// server reads only those of the chosen kind, so the form works the same
// without this script: every input shows then, grouped, with its kinds
// in the group's legend.
(function () {
  "use strict";
  var op = document.getElementById("op");
  var box = document.getElementById("whatif-op");
  if (!op || !box) {
    return;
  }
  function show() {
    var kind = op.value;
    var fields = box.querySelectorAll("[data-ops]");
    for (var i = 0; i < fields.length; i++) {
      var ops = " " + fields[i].getAttribute("data-ops") + " ";
      fields[i].hidden = kind === "" || ops.indexOf(" " + kind + " ") < 0;
    }
    var groups = box.querySelectorAll("fieldset.opgroup");
    for (var j = 0; j < groups.length; j++) {
      groups[j].hidden = !groups[j].querySelector("[data-ops]:not([hidden])");
    }
  }
  op.addEventListener("change", show);
  show();
})();
