// Draw an entity's neighbourhood (Cytoscape.js, served from this server): one node per linked
// thing, coloured by kind; clicking a node opens its page.
(function () {
  "use strict";
  var holder = document.getElementById("neighbourhood");
  var data = document.getElementById("neighbourhood-data");
  if (!holder || !data || typeof cytoscape !== "function") { return; }
  var picture = JSON.parse(data.textContent);
  var palette = ["#0b4f6c", "#c44536", "#2a9d8f", "#e9c46a", "#8a5a9e", "#f4a261", "#457b9d", "#6a994e", "#bc4749", "#577590"];
  var colours = {};
  picture.nodes.forEach(function (node) {
    if (!node.center && !(node.kind in colours)) {
      colours[node.kind] = palette[Object.keys(colours).length % palette.length];
    }
  });
  var elements = picture.nodes.map(function (node) {
    return { data: { id: node.id, label: node.label, href: node.href, colour: node.center ? "#1d2733" : colours[node.kind],
      size: node.center ? 30 : Math.min(44, 14 + 3 * Math.sqrt(node.count || 1)) } };
  }).concat(picture.edges.map(function (edge, index) {
    return { data: { id: "edge" + index, source: edge.source, target: edge.target, label: edge.label } };
  }));
  var graph = cytoscape({
    container: holder,
    elements: elements,
    // The entity in the middle, what it links to around it (a star reads better than a force layout).
    layout: { name: "concentric", animate: false, minNodeSpacing: picture.nodes.length < 15 ? 80 : 24, levelWidth: function () { return 1; },
      concentric: function (node) { return node.data("id") === picture.nodes[0].id ? 2 : 1; } },
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 140,
        "background-color": "data(colour)", width: "data(size)", height: "data(size)" } },
      { selector: "edge", style: { label: picture.edges.length > 24 ? "" : "data(label)", "font-size": 8, color: "#5a6b7b", width: 1, "curve-style": "bezier",
        "target-arrow-shape": "triangle", "line-color": "#c9d6e0", "target-arrow-color": "#c9d6e0" } },
    ],
    maxZoom: 1.2,
    wheelSensitivity: 0.3,
  });
  graph.on("tap", "node", function (event) {
    var href = event.target.data("href");
    if (href) { window.location.href = href; }
  });
  var legend = document.createElement("p");
  legend.className = "picture-legend";
  Object.keys(colours).forEach(function (kind) {
    var item = document.createElement("span");
    var dot = document.createElement("span");
    dot.className = "legend-dot";
    dot.style.backgroundColor = colours[kind];
    item.appendChild(dot);
    item.appendChild(document.createTextNode(kind));
    legend.appendChild(item);
  });
  holder.parentNode.insertBefore(legend, holder);
  window.smarthealthNeighbourhood = graph;
})();
