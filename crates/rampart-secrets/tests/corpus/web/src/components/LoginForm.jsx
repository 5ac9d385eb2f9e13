export function LoginForm() {
  return (
    <form>
      <input type="password" name="password" autoComplete="current-password" />
      <input type="hidden" name="csrf_token" value={csrfToken} />
    </form>
  );
}
const accessToken = process.env.NEXT_PUBLIC_ACCESS_TOKEN;
const tokenStorageKey = 'auth.accessToken.v2';
