// "Bulunduğum yeri kullan": fills the optional location pin from the phone's GPS. Without
// JavaScript or permission the muhtar types the coordinates or leaves them empty.
const button = document.getElementById("konumum");
if (button && "geolocation" in navigator) {
  button.hidden = false;
  button.addEventListener("click", () => {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        document.getElementById("enlem").value = pos.coords.latitude.toFixed(6);
        document.getElementById("boylam").value = pos.coords.longitude.toFixed(6);
        button.disabled = false;
      },
      () => { button.textContent = "Konum alınamadı"; button.disabled = false; },
      { enableHighAccuracy: true, timeout: 10000 },
    );
  });
}
