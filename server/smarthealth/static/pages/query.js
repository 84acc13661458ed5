// Start YASGUI against this server's /sparql and open saved questions in their own tabs.
(function () {
  "use strict";

  // Resolved against the page's own address, so the page works behind a path-prefixing proxy.
  var endpoint = new URL("sparql", document.baseURI).href;
  var savedQueries = JSON.parse(document.getElementById("saved-queries-data").textContent);
  var byName = {};
  savedQueries.forEach(function (query) { byName[query.name] = query; });

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    // A key of its own, so that tabs saved for another YASGUI on this host are not mixed in.
    persistenceId: "smarthealth-query-page",
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
  });

  function openSavedQuery(name) {
    var query = byName[name];
    if (!query) { return; }
    yasgui.addTab(true, {
      name: query.name,
      yasqe: { value: query.text },
      requestConfig: { endpoint: endpoint, method: "POST" },
    }, { avoidDuplicateTabs: true });
  }

  document.querySelectorAll("button.saved-query").forEach(function (button) {
    button.addEventListener("click", function () {
      openSavedQuery(button.getAttribute("data-query-name"));
    });
  });

  window.smarthealthQueryPage = { yasgui: yasgui, openSavedQuery: openSavedQuery };
})();
