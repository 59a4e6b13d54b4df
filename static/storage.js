// localStorage that never throws: full or disabled storage leaves the page working, it just forgets on reload.

export const storage = {
  get(key, fallback = null) {
    try {
      const value = localStorage.getItem(key);
      return value === null ? fallback : value;
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch {
      // storage full or disabled: the page still works, it just forgets on reload
    }
  },
  getJSON(key, fallback = null) {
    try {
      const value = JSON.parse(this.get(key, "null"));
      return value === null ? fallback : value;
    } catch {
      return fallback;
    }
  },
  setJSON(key, value) {
    this.set(key, value === null ? null : JSON.stringify(value));
  },
};
