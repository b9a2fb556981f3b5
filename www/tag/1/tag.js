/* adlog publisher tag, version 1 (docs/publishers.md).  Fills every
 * <ins class="adlog" data-zone="Z"></ins> of the page: asks adlog for an
 * ad of zone Z (with the visitor's cookie), shows the creative at its size
 * with its alt text, linked to the signed click URL, and reports the render
 * once the image has loaded: that report is the impression.  Served from
 * a versioned URL (/tag/1/tag.js) that never changes, so it may be cached
 * for a year; a new tag gets a new number.  No dependencies, no globals. */
(function () {
	"use strict";
	var script = document.currentScript;
	var base = script && script.src ? new URL(script.src).origin : "";

	function state(slot, s) {
		slot.setAttribute("data-adlog-state", s);
	}

	function report(url) {
		/* an image request: no CORS needed, the cookie goes along */
		new Image().src = new URL(url, base).href;
	}

	function show(slot, ad) {
		var a = document.createElement("a");
		var img = document.createElement("img");

		a.href = new URL(ad.click, base).href;
		a.rel = "sponsored noopener";
		img.width = ad.width;
		img.height = ad.height;
		img.alt = ad.alt;
		img.style.border = "0";
		img.style.display = "block";
		img.addEventListener("load", function () {
			report(ad.render);
			state(slot, "rendered");
		}, { once: true });
		img.addEventListener("error", function () {
			state(slot, "image-error");
		}, { once: true });
		img.src = new URL(ad.image, base).href;
		a.appendChild(img);
		slot.textContent = "";
		slot.style.display = "inline-block";
		slot.appendChild(a);
		state(slot, "shown");
	}

	function fill(slot) {
		var zone = slot.getAttribute("data-zone") || "";

		if (slot.hasAttribute("data-adlog-state"))
			return;
		if (!/^[1-9][0-9]{0,9}$/.test(zone)) {
			state(slot, "bad-zone");
			return;
		}
		state(slot, "asking");
		fetch(base + "/ad?zone=" + zone, { credentials: "include", cache: "no-store" })
			.then(function (r) {
				if (r.status === 204)
					throw "no-fill";
				if (!r.ok)
					throw "http-" + r.status;
				return r.json();
			})
			.then(function (ad) { show(slot, ad); })
			.catch(function (e) {
				/* a TypeError: the browser refused the answer (CORS) */
				state(slot, typeof e === "string" ? e : "refused");
			});
	}

	function fillAll() {
		var slots = document.querySelectorAll("ins.adlog");

		for (var i = 0; i < slots.length; i++)
			fill(slots[i]);
	}

	fillAll();
	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", fillAll);
})();
