// NativeCredentialsProvider: aws-c-auth credentials providers behind auth.AwsCredentialsProvider.
#pragma once

#include <napi.h>

struct aws_credentials_provider;

namespace mqtt5crt {

class NativeCredentialsProvider : public Napi::ObjectWrap<NativeCredentialsProvider> {
public:
    static Napi::Function Define(Napi::Env env);
    // new NativeCredentialsProvider(kind, options)
    //   kind: 'static' {accessKeyId, secretAccessKey, sessionToken?} | 'environment' | 'profile'
    //   {profileName?, configFile?, credentialsFile?} | 'defaultChain' {profileName?} | 'cached'
    //   {source: NativeCredentialsProvider, refreshMs?} | 'delegate' {get: () => creds | Promise<creds>}
    explicit NativeCredentialsProvider(const Napi::CallbackInfo &info);
    ~NativeCredentialsProvider() override;

    static aws_credentials_provider *From(const Napi::Value &value, const char *field);

private:
    // Resolves credentials once (for tests and for users who want to check a provider).
    Napi::Value GetCredentials(const Napi::CallbackInfo &info);
    aws_credentials_provider *provider_ = nullptr;
};

}  // namespace mqtt5crt
