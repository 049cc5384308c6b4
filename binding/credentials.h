// NativeCredentialsProvider: aws-c-auth credentials providers behind auth.AwsCredentialsProvider.
#pragma once

#include <aws/auth/credentials.h>
#include <napi.h>

#include "native_class.h"

namespace mqtt5crt {

class NativeCredentialsProvider
    : public NativeHandle<NativeCredentialsProvider, aws_credentials_provider, aws_credentials_provider_release> {
public:
    static const NativeKind kKind;
    static Napi::Function Define(Napi::Env env);
    // new NativeCredentialsProvider(kind, options)
    //   kind: 'static' {accessKeyId, secretAccessKey, sessionToken?} | 'environment' | 'profile'
    //   {profileName?, configFile?, credentialsFile?} | 'defaultChain' {profileName?} | 'cached'
    //   {source: NativeCredentialsProvider, refreshMs?} | 'delegate' {get: () => creds | Promise<creds>}
    explicit NativeCredentialsProvider(const Napi::CallbackInfo &info);

private:
    // Resolves credentials once (for tests and for users who want to check a provider).
    Napi::Value GetCredentials(const Napi::CallbackInfo &info);
};

}  // namespace mqtt5crt
